import { z } from 'zod';
import { RESERVED_AGENT_IDS, checkAgentId } from '../agent-id.js';
import { fromBase64, utf8 } from '../bytes.js';
import { jsonDepth } from '../record-fields.js';
import { isValidRenewNonce } from '../renew-pop.js';
import { isRfc3339 } from '../rfc3339.js';
import { ED25519_HEADER_PREFIX } from '../signature-header.js';
import { ErrorCode } from '../errors.js';

/**
 * Wire primitives shared by every schema in `schemas/` (bus.md, identity.md). Conventions:
 * `*_at` fields are RFC 3339 UTC with milliseconds (`2026-11-22T14:03:07.123Z`); `not_before`
 * and `not_after` are Unix seconds, as in the credential claims; every string has a length cap;
 * every object is strict unless its doc comment says its fields are carried.
 */

/** Longest free-text field (messages, reasons, details) accepted on the wire. */
export const TEXT_MAX_CHARS = 1024;
/** Longest `v1=` credential or chain header value accepted in a JSON field. */
export const CREDENTIAL_MAX_CHARS = 8192;
/** Most issues listed in a schema error (further issues are left out). */
export const MAX_LISTED_ISSUES = 50;
/** Maximum nesting depth of a free-form JSON object (reference §2.12, metadata). */
export const JSON_MAX_DEPTH = 32;

/** Free text of at most `max` characters (default {@link TEXT_MAX_CHARS}). */
export function boundedText(max: number = TEXT_MAX_CHARS): z.ZodString {
  return z.string().max(max);
}

/** A node or service identity: agent-id shape (`checkAgentId`), 1–128 bytes. */
export const AgentIdSchema = z
  .string()
  .max(256)
  .superRefine((value, ctx) => {
    const check = checkAgentId(value);
    if (!check.ok) ctx.addIssue({ code: 'custom', message: `invalid agent id: ${check.reason}` });
  });
/** An agent id. */
export type AgentId = z.infer<typeof AgentIdSchema>;

/** An agent id a wire caller may claim: agent-id shape and not one of `RESERVED_AGENT_IDS`. */
export const WireAgentIdSchema = AgentIdSchema.refine((value) => !RESERVED_AGENT_IDS.has(value), {
  error: 'reserved agent id',
});

/** RFC 3339 UTC with exactly three fractional digits and `Z` (every `*_at` this project writes). */
export const Rfc3339MsSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, {
    error: 'expected YYYY-MM-DDTHH:MM:SS.sssZ',
  })
  .refine(isRfc3339, { error: 'date or time out of range' });
/** An RFC 3339 UTC millisecond timestamp. */
export type Rfc3339Ms = z.infer<typeof Rfc3339MsSchema>;

/** Any RFC 3339 timestamp (offset allowed, any precision; rfc3339.ts rules): fields written by others. */
export const Rfc3339Schema = z
  .string()
  .max(64)
  .refine(isRfc3339, { error: 'expected an RFC 3339 timestamp' });

/** Unix seconds: a non-negative safe integer. */
export const UnixSecondsSchema = z.int().min(0);

/** A count or size: a non-negative safe integer. */
export const CountSchema = z.int().min(0);

/** Standard padded base64 of exactly 32 bytes (an Ed25519 public key). */
export const Base64Key32Schema = z
  .string()
  .length(44)
  .refine((value) => fromBase64(value)?.byteLength === 32, {
    error: 'expected standard padded base64 of 32 bytes',
  });

/** Strict standard padded base64 of at most `maxChars` characters. */
export function base64Text(maxChars: number): z.ZodString {
  return z
    .string()
    .max(maxChars)
    .refine((value) => fromBase64(value) !== undefined, {
      error: 'expected standard padded base64',
    });
}

/** A credential or chain value: `v1=` + strict standard padded base64, length-capped. */
export const V1CredentialSchema = z
  .string()
  .min(4)
  .max(CREDENTIAL_MAX_CHARS)
  .refine((value) => value.startsWith('v1=') && (fromBase64(value.slice(3))?.byteLength ?? 0) > 0, {
    error: 'expected v1= followed by standard padded base64',
  });

/** `ed25519=` + standard padded base64 of a 64-byte signature (no parameters, no spaces). */
export const Ed25519HeaderSchema = z
  .string()
  .length(ED25519_HEADER_PREFIX.length + 88)
  .refine(
    (value) =>
      value.startsWith(ED25519_HEADER_PREFIX) &&
      fromBase64(value.slice(ED25519_HEADER_PREFIX.length))?.byteLength === 64,
    { error: 'expected ed25519= followed by base64 of 64 bytes' },
  );

/** Lowercase hex of 32 bytes (a SHA-256, a credential id, an audit entry hash). */
export const Hex32Schema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { error: 'expected 64 lowercase hex' });

/** A ULID (Crockford base32, 26 characters, either case). */
export const UlidSchema = z
  .string()
  .regex(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i, { error: 'expected a ULID' });
/** A UUIDv7 in canonical 8-4-4-4-12 form (either case). */
export const UuidV7Schema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i, {
    error: 'expected a UUIDv7',
  });
const UUID_ANY = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** An event id: a ULID or a UUIDv7 (bus.md). */
export const EventIdSchema = z.union([UlidSchema, UuidV7Schema], {
  error: 'expected a ULID or UUIDv7',
});

/** An id this project mints for stored objects (pending actions, rules): ULID or any RFC 9562 UUID. */
export const ObjectIdSchema = z.union([UlidSchema, z.string().regex(UUID_ANY)], {
  error: 'expected a ULID or UUID',
});

/** A reference to a request or event (`cause`): agent-id-shaped token, so it is subject-safe. */
export const CauseSchema = AgentIdSchema;

/** A stable snake_case tag (error reasons, guard kinds, DLQ reasons): 1–64 characters. */
export const TagSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'expected a snake_case tag' });

/** A trust domain: non-blank, at most 255 characters, no whitespace or control characters. */
export const TrustDomainSchema = z
  .string()
  .regex(/^[^\s\p{Cc}]{1,255}$/u, { error: 'invalid trust domain' });

/** A region name: an agent-id-shaped token without `/` (it becomes `region/<name>/ca`), ≤ 64. */
export const RegionNameSchema = AgentIdSchema.refine((v) => v.length <= 64 && !v.includes('/'), {
  error: 'region name must be at most 64 characters without "/"',
});

/** The six services (bus.md); a service identity is `svc/<service>/<instance>`. */
export const SERVICE_NAMES = {
  issuer: 'issuer',
  approvals: 'approvals',
  auditor: 'auditor',
  reconciler: 'reconciler',
  'renewal-agent': 'renewal-agent',
  'sync-gateway': 'sync-gateway',
} as const;
/** A service name. */
export type ServiceName = (typeof SERVICE_NAMES)[keyof typeof SERVICE_NAMES];
/** Schema of a service name. */
export const ServiceNameSchema = z.enum(SERVICE_NAMES);

/** Renewal nonce: 16–128 characters of `[A-Za-z0-9_-]` (identity.md). */
export const NonceSchema = z
  .string()
  .max(128)
  .refine(isValidRenewNonce, { error: 'invalid nonce' });

/** True when `ns` satisfies the reference namespace rules (§2.12). Never throws. */
export function isNamespace(ns: string): boolean {
  if (ns.trim().length === 0 || ns.length > 512) return false;
  if (/[\\\s\p{Cc}]/u.test(ns)) return false;
  const segments = ns.split('/');
  if (segments.length > 8) return false;
  return segments.every((s) => s !== '' && s !== '.' && s !== '..');
}

/**
 * A namespace as the reference validates it (§2.12): non-blank, ≤ 512 characters, no `\`, NUL,
 * whitespace or control characters, no leading/trailing `/`, no empty, `.` or `..` segment,
 * depth ≤ 8.
 */
export const NamespaceSchema = z.string().refine(isNamespace, { error: 'invalid namespace' });

/**
 * An integer in `[min, max]` given as a number (JSON) or as decimal digits (a query string).
 */
export function queryInt(min: number, max: number) {
  return z
    .union([
      z.int(),
      z
        .string()
        .regex(/^[0-9]{1,9}$/)
        .transform(Number),
    ])
    .pipe(z.int().min(min).max(max));
}

/** An opaque keyset cursor: base64url text, at most 512 characters. */
export const CursorSchema = z.string().regex(/^[A-Za-z0-9_-]{1,512}$/, { error: 'invalid cursor' });

/** The registered wire error codes (errors.ts). */
export const ErrorCodeSchema = z.enum(ErrorCode);

/**
 * Error reply body `{error, message, ...details}` (bus.md, Errors). Details are carried, so the
 * object is loose: unknown keys are kept.
 */
export const ErrorBodySchema = z.looseObject({
  error: ErrorCodeSchema,
  message: boundedText(),
});
/** An error reply body. */
export type ErrorBodyWire = z.infer<typeof ErrorBodySchema>;

/** UTF-8 byte length of the JSON rendering of `value`, or `undefined` when it has none. */
export function jsonByteLength(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value) as string | undefined;
    return text === undefined ? undefined : utf8(text).byteLength;
  } catch {
    return undefined;
  }
}

/** A free-form JSON object (carried, not interpreted) of at most `maxBytes` and depth ≤ 32. */
export function boundedJsonObject(maxBytes: number): z.ZodType<Record<string, unknown>> {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    if (jsonDepth(value, JSON_MAX_DEPTH) > JSON_MAX_DEPTH) {
      ctx.addIssue({ code: 'custom', message: `nested deeper than ${JSON_MAX_DEPTH}` });
      return;
    }
    const size = jsonByteLength(value);
    if (size === undefined || size > maxBytes) {
      ctx.addIssue({ code: 'custom', message: `larger than ${maxBytes} bytes of JSON` });
    }
  });
}

/** One schema issue, flattened for error details. */
export type SchemaIssue = {
  readonly path: string;
  readonly code: string;
  readonly message: string;
};

/** Result of {@link parseSchema}. */
export type SchemaParse<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly error: { readonly tag: 'invalid'; readonly issues: readonly SchemaIssue[] };
    };

/** Flattens zod issues (at most {@link MAX_LISTED_ISSUES}) into wire-friendly details. */
export function toSchemaIssues(error: z.ZodError): SchemaIssue[] {
  return error.issues.slice(0, MAX_LISTED_ISSUES).map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: issue.code,
    message: issue.message,
  }));
}

/** Validates `input` with `schema`; a value, never a throw. */
export function parseSchema<S extends z.ZodType>(
  schema: S,
  input: unknown,
): SchemaParse<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: { tag: 'invalid', issues: toSchemaIssues(result.error) } };
}
