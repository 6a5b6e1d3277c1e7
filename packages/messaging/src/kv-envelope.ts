import {
  SignedEnvelopeSchema,
  fromBase64,
  fromUtf8,
  formatEd25519Header,
  parseJsonText,
  toBase64,
  type Claims,
  type SignedEnvelope,
  type VerifierBundle,
} from '@fedplane/core';
import { attestMessage, type AttestationReason } from '@fedplane/core';
import type { CredentialSigner } from './signer.js';

/**
 * The signed JSON envelope for values kept in KV, which cannot carry headers (bus.md, "Signed
 * status and posture envelopes"): `{body, sig, cred, chain?}` with `body` = base64 of the exact
 * JSON bytes `sig` covers. Used for `fed-enforcement` / `posture`.
 */

/** The envelope JSON text for `body` signed by `signer` (key order `body, sig, cred, chain`). */
export function signKvEnvelope(body: Uint8Array, signer: CredentialSigner): string {
  const chain = signer.chain();
  const envelope: SignedEnvelope = {
    body: toBase64(body),
    sig: formatEd25519Header(signer.sign(body)),
    cred: signer.credential(),
    ...(chain === undefined ? {} : { chain }),
  };
  return JSON.stringify(envelope);
}

/** Why an envelope was refused: its shape, or the signature/credential check. */
export type KvEnvelopeError =
  | { readonly tag: 'envelope_malformed' }
  | { readonly tag: 'envelope_invalid_signature'; readonly reason: AttestationReason };

/** Result of {@link verifyKvEnvelope}: the signed bytes and who signed them. */
export type KvEnvelopeVerification =
  | {
      readonly ok: true;
      /** The exact signed body bytes (parse them with the value's schema). */
      readonly body: Uint8Array;
      readonly signer: string;
      readonly claims: Claims;
    }
  | { readonly ok: false; readonly error: KvEnvelopeError };

const MALFORMED = { ok: false, error: { tag: 'envelope_malformed' } } as const;

/**
 * Verifies a KV envelope (JSON text or its strict UTF-8 bytes) against the bundle at `nowS`: strict
 * envelope schema, then core `attestMessage` over the decoded body bytes with `cred` (+ `chain`);
 * only `credential_signed` passes. With `expectedSigner`, the credential subject must equal it
 * (`actor_mismatch`). Never throws.
 */
export function verifyKvEnvelope(
  envelopeJson: string | Uint8Array,
  bundle: VerifierBundle,
  nowS: number,
  expectedSigner?: string,
): KvEnvelopeVerification {
  const text = typeof envelopeJson === 'string' ? envelopeJson : fromUtf8(envelopeJson);
  if (text === undefined) return MALFORMED;
  const json = parseJsonText(text);
  if (!json.ok) return MALFORMED;
  const envelope = SignedEnvelopeSchema.safeParse(json.value);
  if (!envelope.success) return MALFORMED;
  const body = fromBase64(envelope.data.body);
  if (body === undefined) return MALFORMED;
  const { sig, cred, chain } = envelope.data;
  const attestation = attestMessage({
    headers: { signature: sig, credential: cred, chain },
    body,
    bundle,
    nowS,
    ...(expectedSigner === undefined ? {} : { expectedActor: expectedSigner }),
  });
  switch (attestation.attest_level) {
    case 'credential_signed':
      return { ok: true, body, signer: attestation.signer, claims: attestation.claims };
    case 'invalid_signature':
      return {
        ok: false,
        error: { tag: 'envelope_invalid_signature', reason: attestation.reason },
      };
    case 'issuer_signed':
    case 'unsigned':
      // Unreachable: the schema requires `sig` and `cred`, and no issuer header exists here.
      return MALFORMED;
  }
}
