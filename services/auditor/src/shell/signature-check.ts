import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { rejectedBySodium, toHex } from '@fedplane/core';

/**
 * Ed25519 verification on libuv's thread pool (`crypto.verify` with a callback), so the event
 * signatures of a batch are checked in parallel off the main thread. Same contract as core
 * `verifyEd25519`: a 64-byte signature and a 32-byte key that imports, else false; never rejects;
 * and libsodium's refusals (small-order points, a non-canonical key) applied first, so the auditor
 * accepts exactly the signatures every other service accepts.
 */

const SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);
const KEY_CACHE_LIMIT = 4096;
const keys = new Map<string, KeyObject | null>();

function keyObject(publicKey: Uint8Array): KeyObject | null {
  if (publicKey.byteLength !== 32) return null;
  const id = toHex(publicKey);
  const hit = keys.get(id);
  if (hit !== undefined) return hit;
  let key: KeyObject | null;
  try {
    key = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    });
  } catch {
    key = null;
  }
  if (keys.size >= KEY_CACHE_LIMIT) keys.clear();
  keys.set(id, key);
  return key;
}

/** True when `signature` is a valid Ed25519 signature of `message` under `publicKey`. */
export function verifySignature(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const key = keyObject(publicKey);
  if (key === null || signature.byteLength !== 64) return Promise.resolve(false);
  if (rejectedBySodium(publicKey, signature)) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify(null, message, key, signature, (err, ok) => resolve(err === null && ok));
    } catch {
      resolve(false);
    }
  });
}
