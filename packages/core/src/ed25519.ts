import { nodeCryptoEd25519 } from './ed25519-node.js';
import { loadSodium, sodiumEd25519 } from './ed25519-sodium.js';

/**
 * Ed25519 (RFC 8032, pure). Keys are 32-byte seeds and 32-byte public keys. libsodium (the
 * `sodium-native` addon) when it loads, node:crypto otherwise; both accept exactly the same
 * signatures (`ed25519-strict.ts`) and produce the same bytes (Ed25519 signing is deterministic),
 * so the backend is a speed choice only. `ed25519Backend()` names the one in use.
 */

export const ED25519_SEED_BYTES = 32;
export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

const loaded = loadSodium();
const backend = loaded === undefined ? nodeCryptoEd25519 : sodiumEd25519(loaded.sodium);

/** The backend in use, and the addon's path for worker threads that load it themselves. */
export function ed25519Backend(): { readonly name: string; readonly modulePath?: string } {
  return loaded === undefined
    ? { name: backend.name }
    : { name: backend.name, modulePath: loaded.path };
}

/** The 32-byte public key of a 32-byte seed. */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  return backend.publicKeyFromSeed(seed);
}

/** Ed25519 signature (64 bytes) of the message under the seed. */
export function signEd25519(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return backend.sign(seed, message);
}

/**
 * True when `signature` is a valid Ed25519 signature of `message` under `publicKey`.
 * Any malformed input (wrong lengths, a key that is not a usable point) is simply `false`.
 */
export function verifyEd25519(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  return backend.verify(publicKey, message, signature);
}

/** True when the bytes have the length of an Ed25519 public key. */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  return publicKey.byteLength === ED25519_PUBLIC_KEY_BYTES;
}
