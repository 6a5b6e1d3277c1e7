import { concatBytes, utf8 } from './bytes.js';
import { sha256 } from './digest.js';
import { signEd25519, verifyEd25519 } from './ed25519.js';
import { formatEd25519Header, parseEd25519Header } from './signature-header.js';

/**
 * Per-message signatures (`x-memory-sig`, reference §2.10) and the nonce replay decision
 * (sync.md, Write path step 1).
 *
 * Signed bytes: a POST covers the exact body bytes sent, `body ‖ 0x00 ‖ nonce` when an
 * `x-memory-nonce` header is sent; a GET covers `"GET" 0x0A path 0x0A raw-query` (query verbatim,
 * without `?`), then `0x00 ‖ nonce` likewise. A nonce is "sent" when the header is present, even
 * empty (an empty nonce still adds the 0x00 separator; the replay gate then refuses it as
 * missing). The header value is `ed25519=` + standard padded base64 of the 64-byte signature.
 */

const NUL = Uint8Array.of(0x00);
const LF = Uint8Array.of(0x0a);
const GET = utf8('GET');

/** How long a peer's nonces are remembered (sync.md: 10 minutes). */
export const NONCE_TTL_MS = 10 * 60_000;
/** Largest accepted distance between `sender_wall_clock` and now (sync.md: 5 minutes). */
export const NONCE_WINDOW_MS = 5 * 60_000;

/** Why a message signature was refused (the reference's stable tags). */
export type MessageSignatureTag =
  | 'x_memory_sig_missing'
  | 'x_memory_sig_unknown_algorithm'
  | 'x_memory_sig_malformed'
  | 'x_memory_sig_bad_signature';

/** Result of {@link verifyMessageSignature}. */
export type MessageSignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: { readonly tag: MessageSignatureTag } };

/** Why a request was refused by the replay gate. */
export type NonceTag = 'x_memory_nonce_replay' | 'x_memory_nonce_missing' | 'x_memory_clock_skew';

/** Input of {@link checkNonce}. */
export type NonceCheckInput = {
  /** The `x-memory-nonce` header value; `null`/`undefined` when absent. */
  readonly nonce: string | null | undefined;
  /** `sender_wall_clock` of the (signature-verified) request in Unix ms; `null` when not sent. */
  readonly senderWallClockMs: number | null;
  /** Receiver's clock, Unix ms. */
  readonly nowMs: number;
  /** True when this peer's nonce cache already holds the nonce (see {@link nonceFingerprint}). */
  readonly seen: boolean;
  /** Accepted clock distance, default {@link NONCE_WINDOW_MS}. */
  readonly windowMs?: number;
  /** False only when nonces are not required (the reference's `REQUIRE_NONCE=0`); default true. */
  readonly requireNonce?: boolean;
};

/** Result of {@link checkNonce}: `timeBounded` is false when no wall clock was sent. */
export type NonceCheck =
  | { readonly ok: true; readonly timeBounded: boolean }
  | { readonly ok: false; readonly error: { readonly tag: NonceTag } };

function withNonce(bytes: Uint8Array, nonce: string | null | undefined): Uint8Array {
  if (nonce === null || nonce === undefined) return bytes;
  return concatBytes(bytes, NUL, utf8(nonce));
}

/** Bytes a POST signature covers: `body ‖ 0x00 ‖ nonce`, or the body alone without a nonce. */
export function pushSignedBytes(body: Uint8Array, nonce?: string | null): Uint8Array {
  return withNonce(body, nonce);
}

/**
 * Bytes a GET signature covers: `"GET" 0x0A path 0x0A rawQuery`, then `0x00 ‖ nonce` when a nonce
 * is sent. `rawQuery` is the query string exactly as sent, without `?` (no sorting, no decoding).
 */
export function getSignedBytes(path: string, rawQuery: string, nonce?: string | null): Uint8Array {
  return withNonce(concatBytes(GET, LF, utf8(path), LF, utf8(rawQuery)), nonce);
}

/** The `x-memory-sig` header value for `bytes` signed with the 32-byte Ed25519 seed. */
export function signMessage(seed: Uint8Array, bytes: Uint8Array): string {
  return formatEd25519Header(signEd25519(seed, bytes));
}

/**
 * Verifies an `x-memory-sig` header value over the signed bytes.
 * Input: the sender's public key, the bytes (from {@link pushSignedBytes} / {@link getSignedBytes}
 * with the nonce header as received) and the raw header value (`null`/`undefined` when absent).
 * Output: ok, or the reference tag: `x_memory_sig_missing` (no header),
 * `x_memory_sig_unknown_algorithm` (not `ed25519=`), `x_memory_sig_malformed` (not strict base64
 * of 64 bytes), `x_memory_sig_bad_signature` (does not verify, including a malformed key).
 * Never throws.
 */
export function verifyMessageSignature(
  publicKey: Uint8Array,
  signedBytes: Uint8Array,
  headerValue: string | null | undefined,
): MessageSignatureCheck {
  const parsed = parseEd25519Header(headerValue);
  if (!parsed.ok) return { ok: false, error: { tag: parsed.error.tag } };
  if (!verifyEd25519(publicKey, signedBytes, parsed.value)) {
    return { ok: false, error: { tag: 'x_memory_sig_bad_signature' } };
  }
  return { ok: true };
}

/**
 * The replay gate, applied after a good signature (sync.md step 1; fixes reference #1061).
 * Rules, in this order:
 * 1. no nonce, or an empty one: `x_memory_nonce_missing` when nonces are required (the default);
 *    when they are not, the request goes on to rule 3 (so a nonce-less legacy request is still
 *    refused when its wall clock is off);
 * 2. the nonce is in the peer's cache (nonces are remembered per peer for {@link NONCE_TTL_MS})
 *    → `x_memory_nonce_replay`;
 * 3. a `sender_wall_clock` was sent and differs from now by more than `windowMs` (either
 *    direction; exactly `windowMs` is accepted; a non-finite value counts as off)
 *    → `x_memory_clock_skew`;
 * 4. otherwise ok; the shell then records the nonce (if any) in the peer's cache.
 * Because the cache outlives twice the window, a captured request cannot be replayed: within
 * 10 minutes its nonce is remembered, after 5 minutes its wall clock is refused. A request without
 * a wall clock (GETs, legacy senders) is bounded by the cache only, and `timeBounded: false` says
 * so (the shell counts or logs it). Pure; never throws.
 */
export function checkNonce(input: NonceCheckInput): NonceCheck {
  const { nonce, senderWallClockMs, nowMs, seen } = input;
  const windowMs = input.windowMs ?? NONCE_WINDOW_MS;
  const hasNonce = nonce !== null && nonce !== undefined && nonce !== '';
  if (!hasNonce && input.requireNonce !== false) {
    return { ok: false, error: { tag: 'x_memory_nonce_missing' } };
  }
  if (hasNonce && seen) return { ok: false, error: { tag: 'x_memory_nonce_replay' } };
  if (senderWallClockMs === null) return { ok: true, timeBounded: false };
  const skew = Math.abs(nowMs - senderWallClockMs);
  if (!(skew <= windowMs)) return { ok: false, error: { tag: 'x_memory_clock_skew' } };
  return { ok: true, timeBounded: true };
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.byteLength);
  new DataView(out.buffer).setUint32(0, bytes.byteLength);
  out.set(bytes, 4);
  return out;
}

/**
 * The key a peer's nonce is remembered under, as the reference computes it (§3.5):
 * `SHA-256(u32-BE len(peer id) ‖ peer id ‖ u32-BE len(nonce) ‖ nonce)`, lengths in UTF-8 bytes.
 * Binding the peer id keeps one peer's nonces from colliding with another's.
 */
export function nonceFingerprint(peerId: string, nonce: string): Uint8Array {
  return sha256(concatBytes(lengthPrefixed(utf8(peerId)), lengthPrefixed(utf8(nonce))));
}
