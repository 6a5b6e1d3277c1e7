import { parseJsonText } from '../json-text.js';
import { z } from 'zod';
import { fromBase64, fromUtf8 } from '../bytes.js';
import {
  Ed25519HeaderSchema,
  V1CredentialSchema,
  base64Text,
  toSchemaIssues,
  type SchemaIssue,
} from './primitives.js';

/**
 * The signed JSON envelope for values kept in KV, which cannot carry headers (bus.md, "Signed
 * status and posture envelopes"): `{body, sig, cred, chain?}` where `body` is base64 of the exact
 * JSON bytes that `sig` signs. Used for the posture (`fed-enforcement`) and the audit checkpoint
 * (`fed-audit`).
 */

/** Largest `body` accepted, in base64 characters (1 MiB, the NATS default max payload). */
export const SIGNED_BODY_MAX_CHARS = 1024 * 1024;

/** `{body, sig, cred, chain?}`, strict. */
export const SignedEnvelopeSchema = z.strictObject({
  body: base64Text(SIGNED_BODY_MAX_CHARS),
  sig: Ed25519HeaderSchema,
  cred: V1CredentialSchema,
  chain: V1CredentialSchema.optional(),
});
/** A signed KV envelope. */
export type SignedEnvelope = z.infer<typeof SignedEnvelopeSchema>;

/** Why an envelope body could not be read. */
export type EnvelopeBodyError =
  | { readonly tag: 'invalid_base64' }
  | { readonly tag: 'invalid_utf8' }
  | { readonly tag: 'invalid_json'; readonly message: string }
  | { readonly tag: 'invalid_body'; readonly issues: readonly SchemaIssue[] };

/** Result of {@link parseEnvelopeBody}: the signed bytes (for signature checks) and the value. */
export type EnvelopeBodyParse<T> =
  | { readonly ok: true; readonly value: T; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly error: EnvelopeBodyError };

/**
 * Decodes `envelope.body` (base64 → strict UTF-8 → JSON) and validates it with `schema`.
 * Returns the exact body bytes alongside, so the caller verifies `sig` over them and never over
 * a re-encoding. Does not verify the signature. Never throws.
 */
export function parseEnvelopeBody<S extends z.ZodType>(
  envelope: Pick<SignedEnvelope, 'body'>,
  schema: S,
): EnvelopeBodyParse<z.output<S>> {
  const bytes = fromBase64(envelope.body);
  if (bytes === undefined) return { ok: false, error: { tag: 'invalid_base64' } };
  const text = fromUtf8(bytes);
  if (text === undefined) return { ok: false, error: { tag: 'invalid_utf8' } };
  const parsed = parseJsonText(text);
  if (!parsed.ok) return parsed;
  const json = parsed.value;
  const result = schema.safeParse(json);
  if (!result.success) {
    return { ok: false, error: { tag: 'invalid_body', issues: toSchemaIssues(result.error) } };
  }
  return { ok: true, value: result.data, bytes };
}
