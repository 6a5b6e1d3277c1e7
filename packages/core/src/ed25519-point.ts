import { ED25519_PUBLIC_KEY_BYTES } from './ed25519.js';

/**
 * Ed25519 public-key point validation (RFC 8032 §5.1.3 decoding). node:crypto imports any 32
 * bytes as a public key without checking that they decode to a curve point, so the credential
 * code uses this to report `credential_bad_subject_key` (reference §2.1) and to refuse issuing
 * for, or trusting, a key that can never verify anything.
 */

const P = (1n << 255n) - 19n;
const D = mod(-121665n * inverse(121666n));
const EULER_EXPONENT = (P - 1n) / 2n;

function mod(a: bigint): bigint {
  const r = a % P;
  return r >= 0n ? r : r + P;
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if ((e & 1n) === 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

function inverse(a: bigint): bigint {
  return power(a, P - 2n);
}

const CACHE_LIMIT = 4096;
const verdicts = new Map<string, boolean>();

function cacheKey(bytes: Uint8Array): string {
  let key = '';
  for (const byte of bytes) key += String.fromCharCode(byte);
  return key;
}

/**
 * True when the 32 bytes are the RFC 8032 encoding of a point on edwards25519: y (bits 0–254,
 * little-endian) is canonical (< p), x² = (y² − 1) / (d·y² + 1) is a square, and x = 0 is not
 * paired with a set sign bit. Small-order points decode and are accepted here (as in the
 * reference); verification under them simply fails. Pure; never throws.
 */
export function isEd25519Point(publicKey: Uint8Array): boolean {
  if (publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES) return false;
  // The same few keys are checked over and over (every renewal of a node re-checks its key), and
  // the check costs two hundred-odd big-integer squarings: remember recent verdicts (bounded).
  const key = cacheKey(publicKey);
  const known = verdicts.get(key);
  if (known !== undefined) return known;
  const verdict = decodesToPoint(publicKey);
  if (verdicts.size >= CACHE_LIMIT) {
    const oldest = verdicts.keys().next();
    if (oldest.done !== true) verdicts.delete(oldest.value);
  }
  verdicts.set(key, verdict);
  return verdict;
}

function decodesToPoint(publicKey: Uint8Array): boolean {
  let y = 0n;
  for (let i = ED25519_PUBLIC_KEY_BYTES - 1; i >= 0; i--) y = (y << 8n) | BigInt(publicKey[i] ?? 0);
  const sign = y >> 255n;
  y &= (1n << 255n) - 1n;
  if (y >= P) return false;
  const y2 = (y * y) % P;
  // x² = u / v with u = y² − 1 and v = d·y² + 1 (never 0: d is not a square). u / v is a square
  // exactly when u·v is (Euler's criterion), which needs one exponentiation instead of two.
  const u = mod(y2 - 1n);
  if (u === 0n) return sign === 0n;
  const v = mod(D * y2 + 1n);
  return power(mod(u * v), EULER_EXPONENT) === 1n;
}
