import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

import { rejectedBySodium } from './ed25519-strict.js';

/**
 * The node:crypto (OpenSSL) Ed25519 backend, used when the libsodium addon cannot be loaded (see
 * `ed25519.ts`). The derived `KeyObject`s are cached (bounded) because importing a key costs more
 * than a verify. Verification applies libsodium's extra refusals first (`ed25519-strict.ts`), so
 * both backends accept exactly the same signatures.
 */

const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);
const CACHE_LIMIT = 4096;

const SEED_BYTES = 32;
const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

const privateCache = new Map<string, KeyObject>();
const publicCache = new Map<string, KeyObject | null>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(key, value);
  return value;
}

function cacheKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function privateKeyObject(seed: Uint8Array): KeyObject {
  if (seed.byteLength !== SEED_BYTES) throw new RangeError('ed25519 seed must be 32 bytes');
  const id = cacheKey(seed);
  const hit = privateCache.get(id);
  if (hit !== undefined) return hit;
  const der = Buffer.concat([PKCS8_PREFIX, seed]);
  return remember(privateCache, id, createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
}

function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  if (publicKey.byteLength !== PUBLIC_KEY_BYTES) return null;
  const id = cacheKey(publicKey);
  const hit = publicCache.get(id);
  if (hit !== undefined) return hit;
  let key: KeyObject | null;
  try {
    const der = Buffer.concat([SPKI_PREFIX, publicKey]);
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    key = null;
  }
  return remember(publicCache, id, key);
}

/** The 32-byte public key of a 32-byte seed. */
function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  const jwk = createPublicKey(privateKeyObject(seed)).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'));
}

/** Ed25519 signature (64 bytes) of the message under the seed. */
function sign25519(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKeyObject(seed)));
}

/** True when `signature` verifies; any malformed input is simply `false`. */
function verify25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.byteLength !== SIGNATURE_BYTES) return false;
  if (rejectedBySodium(publicKey, signature)) return false;
  const key = publicKeyObject(publicKey);
  if (key === null) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** The node:crypto backend. */
export const nodeCryptoEd25519 = {
  name: 'node:crypto',
  publicKeyFromSeed,
  sign: sign25519,
  verify: verify25519,
} as const;
