import { concatBytes, fromUtf8, toHex, utf8 } from './bytes.js';
import { constantTimeEqual, hmacSha256, sha256, sha256Hex } from './digest.js';
import { ErrorCode } from './errors.js';

/**
 * The approvals decision HMAC (approvals.md; reference §6.2, byte-compatible with ai-memory).
 *
 * key = the 32 raw bytes of SHA-256(secret as UTF-8) — not its hex text, not the secret itself;
 * message = `<timestamp as sent>.<METHOD>.<pending id>.<raw body bytes>`;
 * `X-AI-Memory-Signature: sha256=<lower-case hex of HMAC-SHA256(key, message)>`,
 * `X-AI-Memory-Timestamp: <Unix seconds>`.
 */

/** Header prefix of the signature, exactly (case-sensitive). */
export const APPROVAL_SIGNATURE_PREFIX = 'sha256=';
/** A timestamp older than now by more than this is stale (the edge is accepted). */
export const APPROVAL_WINDOW_PAST_S = 300;
/** A timestamp ahead of now by more than this is future-dated (the edge is accepted). */
export const APPROVAL_WINDOW_FUTURE_S = 60;
/** How long a used signature stays in the shared replay cache. */
export const APPROVAL_REPLAY_TTL_S = 600;

const DECIMAL_INTEGER = /^[+-]?[0-9]+$/;
const DOT = utf8('.');

/** Why a decision request failed authentication: for logs and metrics only, never on the wire. */
export type ApprovalAuthReason =
  | 'no_secret'
  | 'signature_missing'
  | 'signature_bad_prefix'
  | 'timestamp_missing'
  | 'timestamp_not_integer'
  | 'timestamp_stale'
  | 'timestamp_future'
  | 'body_not_utf8'
  | 'signature_mismatch';

/** Result of {@link verifyApproval}. */
export type ApprovalAuth =
  | { readonly ok: true; readonly timestamp: number }
  | {
      readonly ok: false;
      readonly error: {
        readonly code: typeof ErrorCode.UNAUTHENTICATED;
        readonly reason: ApprovalAuthReason;
      };
    };

/** Input of {@link signApproval}. */
export type SignApprovalInput = {
  readonly secret: string;
  /** Unix seconds; a string is used exactly as written. */
  readonly timestamp: string | number;
  readonly pendingId: string;
  /** The raw body bytes (a string is taken as its UTF-8 bytes). */
  readonly body: Uint8Array | string;
  /** Default `POST`. */
  readonly method?: string;
};

/** Input of {@link verifyApproval}. */
export type VerifyApprovalInput = {
  /** The configured secret; `null` (or empty) when none is configured: everything fails. */
  readonly secret: string | null;
  /** Server clock, Unix seconds. */
  readonly nowS: number;
  readonly pendingId: string;
  /** The request method (the route is `POST`). */
  readonly method: string;
  readonly rawBody: Uint8Array;
  /** `X-AI-Memory-Signature`; `null`/`undefined` when absent. */
  readonly signatureHeader: string | null | undefined;
  /** `X-AI-Memory-Timestamp`; `null`/`undefined` when absent. */
  readonly timestampHeader: string | null | undefined;
};

/** The HMAC key: the 32 raw bytes of SHA-256(secret as UTF-8). */
export function hmacKey(secret: string): Uint8Array {
  return sha256(utf8(secret));
}

/** The signed message: `<timestamp>.<method>.<pendingId>.` as UTF-8, then the raw body bytes. */
export function hmacCanonical(
  timestamp: string,
  method: string,
  pendingId: string,
  rawBody: Uint8Array,
): Uint8Array {
  return concatBytes(utf8([timestamp, method, pendingId].join('.')), DOT, rawBody);
}

function expectedHex(secret: string, canonical: Uint8Array): string {
  return toHex(hmacSha256(hmacKey(secret), canonical));
}

/** The `X-AI-Memory-Signature` value for a decision request (`sha256=` + lower-case hex). */
export function signApproval(input: SignApprovalInput): string {
  const body = typeof input.body === 'string' ? utf8(input.body) : input.body;
  const canonical = hmacCanonical(
    String(input.timestamp),
    input.method ?? 'POST',
    input.pendingId,
    body,
  );
  return APPROVAL_SIGNATURE_PREFIX + expectedHex(input.secret, canonical);
}

function fail(reason: ApprovalAuthReason): ApprovalAuth {
  return { ok: false, error: { code: ErrorCode.UNAUTHENTICATED, reason } };
}

/**
 * Authenticates a decision request. Checks, in order: a secret is configured (non-empty); the
 * signature header is present and starts with exactly `sha256=`; the timestamp header is present
 * and a decimal integer; `now − ts ≤ 300` and `ts − now ≤ 60` (both edges accepted); the body is
 * valid UTF-8; then the received text after `sha256=` equals the lower-case hex of the expected
 * HMAC, compared as strings in constant time (upper-case hex or a wrong length fails).
 * Output: `{ok: true, timestamp}` or `UNAUTHENTICATED` with a `reason` that is for logs only: the
 * wire body is the same for every failure. The single-use replay cache is the caller's (keyed by
 * {@link approvalReplayKey}, after this succeeds). Pure; never throws.
 */
export function verifyApproval(input: VerifyApprovalInput): ApprovalAuth {
  const { secret, signatureHeader, timestampHeader } = input;
  if (secret === null || secret === '') return fail('no_secret');
  if (signatureHeader === null || signatureHeader === undefined) return fail('signature_missing');
  if (!signatureHeader.startsWith(APPROVAL_SIGNATURE_PREFIX)) return fail('signature_bad_prefix');
  if (timestampHeader === null || timestampHeader === undefined) return fail('timestamp_missing');
  if (!DECIMAL_INTEGER.test(timestampHeader)) return fail('timestamp_not_integer');
  // Exact for every |ts| ≤ 2^53; anything larger is far outside the window either way.
  const timestamp = Number(timestampHeader);
  if (input.nowS - timestamp > APPROVAL_WINDOW_PAST_S) return fail('timestamp_stale');
  if (timestamp - input.nowS > APPROVAL_WINDOW_FUTURE_S) return fail('timestamp_future');
  if (fromUtf8(input.rawBody) === undefined) return fail('body_not_utf8');
  const canonical = hmacCanonical(timestampHeader, input.method, input.pendingId, input.rawBody);
  const expected = utf8(expectedHex(secret, canonical));
  const received = utf8(signatureHeader.slice(APPROVAL_SIGNATURE_PREFIX.length));
  if (!constantTimeEqual(expected, received)) return fail('signature_mismatch');
  return { ok: true, timestamp };
}

/**
 * The key under which a used signature is remembered in the shared replay cache (for
 * {@link APPROVAL_REPLAY_TTL_S}): lower-case hex SHA-256 of the signature header value. Call it
 * only after {@link verifyApproval} succeeded, so the header is `sha256=` + 64 lower-case hex.
 */
export function approvalReplayKey(signatureHeader: string): string {
  return sha256Hex(utf8(signatureHeader));
}
