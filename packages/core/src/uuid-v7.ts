import { toHex } from './bytes.js';

/**
 * UUIDv7 (RFC 9562 §5.7) formatting from a clock reading and caller-supplied randomness, so ids
 * stay pure here and the shell draws the randomness (`node:crypto` `randomBytes(10)`).
 */

/** Random bytes a UUIDv7 takes (74 of their 80 bits are used). */
export const UUID_V7_RANDOM_BYTES = 10;
/** Largest Unix millisecond timestamp a UUIDv7 holds (48 bits). */
export const UUID_V7_MAX_MS = 2 ** 48 - 1;

/**
 * The canonical lower-case UUIDv7 string for `nowMs` (Unix milliseconds) and 10 random bytes.
 * Layout: 48-bit big-endian timestamp, version `7` + 12 random bits, variant `10` + 62 random
 * bits. Ids sort by their millisecond. Invariant: the output matches core's `UuidV7Schema`.
 * A `nowMs` outside 0..2^48−1 (or not an integer) or randomness of another length is a
 * programming error and throws `RangeError`.
 */
export function uuidV7(nowMs: number, random: Uint8Array): string {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0 || nowMs > UUID_V7_MAX_MS) {
    throw new RangeError('nowMs must be an integer in 0..2^48-1');
  }
  if (random.byteLength !== UUID_V7_RANDOM_BYTES) {
    throw new RangeError(`uuidV7 needs exactly ${UUID_V7_RANDOM_BYTES} random bytes`);
  }
  const bytes = new Uint8Array(16);
  let ms = nowMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes.set(random, 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = toHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
