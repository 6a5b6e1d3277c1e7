import { fromBase64, toBase64 } from './bytes.js';
import { ED25519_SIGNATURE_BYTES } from './ed25519.js';

/**
 * The `ed25519=<base64>` signature header value (reference §2.10, `X-Memory-Sig`; also our
 * `Fed-Signature` header and the `sig` / `pop` fields of envelopes and renewal requests).
 */

/** Prefix of an Ed25519 signature header value. */
export const ED25519_HEADER_PREFIX = 'ed25519=';

/** Why a signature header value was refused. */
export type SignatureHeaderError =
  | { readonly tag: 'x_memory_sig_missing' }
  | { readonly tag: 'x_memory_sig_unknown_algorithm' }
  | { readonly tag: 'x_memory_sig_malformed' };

/** Result of {@link parseEd25519Header}. */
export type SignatureHeaderParse =
  | { readonly ok: true; readonly value: Uint8Array }
  | { readonly ok: false; readonly error: SignatureHeaderError };

/** `ed25519=` + standard padded base64 of the 64-byte signature. */
export function formatEd25519Header(signature: Uint8Array): string {
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES) {
    throw new RangeError('ed25519 signature must be 64 bytes');
  }
  return ED25519_HEADER_PREFIX + toBase64(signature);
}

/**
 * Parses a signature header value into the 64 signature bytes.
 * Input: the raw header value (`undefined`/`null` when the header is absent).
 * Rules (reference §2.10): keep the part before the first `;` (trailing `; key=value` parameters
 * are tolerated), trim it, require the `ed25519=` prefix (else `x_memory_sig_unknown_algorithm`),
 * then the rest must be strict standard padded base64 of exactly 64 bytes (else
 * `x_memory_sig_malformed`). Absent → `x_memory_sig_missing`. Never throws.
 */
export function parseEd25519Header(value: string | undefined | null): SignatureHeaderParse {
  if (value === undefined || value === null) {
    return { ok: false, error: { tag: 'x_memory_sig_missing' } };
  }
  const semicolon = value.indexOf(';');
  const head = (semicolon === -1 ? value : value.slice(0, semicolon)).trim();
  if (!head.startsWith(ED25519_HEADER_PREFIX)) {
    return { ok: false, error: { tag: 'x_memory_sig_unknown_algorithm' } };
  }
  const bytes = fromBase64(head.slice(ED25519_HEADER_PREFIX.length));
  if (bytes?.byteLength !== ED25519_SIGNATURE_BYTES) {
    return { ok: false, error: { tag: 'x_memory_sig_malformed' } };
  }
  return { ok: true, value: bytes };
}
