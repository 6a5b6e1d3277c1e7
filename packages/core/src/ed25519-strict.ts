/**
 * The refusals libsodium's `crypto_sign_verify_detached` makes on top of RFC 8032 verification,
 * which OpenSSL does not: a public key that is not a canonical encoding (y ≥ p), and a public key
 * or signature point R of small order (libsodium's blocklist; the top bit, x's sign, is ignored).
 * With them the node:crypto backend accepts exactly what the libsodium backend accepts, so two
 * gateways on different backends can never disagree about a record. Without them, the identity
 * as public key with R = identity and S = 0 verifies every message under OpenSSL.
 */

const P_MINUS_1_TAIL = 0x7f;

function encoding(first: readonly number[], fill: number, last: number): Uint8Array {
  const bytes = new Uint8Array(32).fill(fill);
  bytes.set(first);
  bytes[31] = last;
  return bytes;
}

/** libsodium's `ge25519_has_small_order` blocklist. */
export const SMALL_ORDER_ENCODINGS: readonly Uint8Array[] = [
  encoding([0x00], 0x00, 0x00), // 0 (order 4)
  encoding([0x01], 0x00, 0x00), // 1 (order 1)
  Uint8Array.from([
    0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
    0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
  ]), // order 8
  Uint8Array.from([
    0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
    0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
  ]), // order 8
  encoding([0xec], 0xff, P_MINUS_1_TAIL), // p - 1 (order 2)
  encoding([0xed], 0xff, P_MINUS_1_TAIL), // p = 0, not canonical (order 4)
  encoding([0xee], 0xff, P_MINUS_1_TAIL), // p + 1 = 1, not canonical (order 1)
];

function hasSmallOrder(point: Uint8Array): boolean {
  return SMALL_ORDER_ENCODINGS.some((listed) => {
    for (let i = 0; i < 31; i += 1) if (point[i] !== listed[i]) return false;
    return ((point[31] ?? 0) & 0x7f) === listed[31];
  });
}

/** True when y ≥ p = 2^255 − 19 (libsodium's `ge25519_is_canonical`, negated). */
function isNonCanonical(point: Uint8Array): boolean {
  if (((point[31] ?? 0) & 0x7f) !== 0x7f) return false;
  for (let i = 1; i < 31; i += 1) if (point[i] !== 0xff) return false;
  return (point[0] ?? 0) >= 0xed;
}

/**
 * True when libsodium refuses this key and signature before any curve arithmetic. Inputs of the
 * wrong length are the caller's to refuse.
 */
export function rejectedBySodium(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.byteLength !== 32 || signature.byteLength < 32) return false;
  return (
    isNonCanonical(publicKey) ||
    hasSmallOrder(publicKey) ||
    hasSmallOrder(signature.subarray(0, 32))
  );
}
