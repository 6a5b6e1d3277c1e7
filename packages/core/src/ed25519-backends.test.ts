import { createPublicKey, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ed25519Backend } from './ed25519.js';
import { nodeCryptoEd25519 } from './ed25519-node.js';
import { loadSodium, sodiumEd25519 } from './ed25519-sodium.js';
import { SMALL_ORDER_ENCODINGS, rejectedBySodium } from './ed25519-strict.js';

const loaded = loadSodium();
if (loaded === undefined) throw new Error('sodium-native must load in the test environment');
const sodium = sodiumEd25519(loaded.sodium);
const backends = [sodium, nodeCryptoEd25519] as const;

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** OpenSSL's own verdict, without the strict refusals. */
function opensslAccepts(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) {
  try {
    const key = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

describe('ed25519 backends', () => {
  it('uses libsodium where the addon loads', () => {
    expect(ed25519Backend()).toEqual({ name: 'libsodium', modulePath: loaded.path });
  });

  it('derive the same keys and the same signatures, and accept each other', () => {
    fc.assert(
      fc.property(seedArb, fc.uint8Array({ maxLength: 300 }), (seed, message) => {
        const pub = sodium.publicKeyFromSeed(seed);
        expect(nodeCryptoEd25519.publicKeyFromSeed(seed)).toEqual(pub);
        const sig = sodium.sign(seed, message);
        expect(nodeCryptoEd25519.sign(seed, message)).toEqual(sig);
        for (const backend of backends) expect(backend.verify(pub, message, sig)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it('agree on tampered and malformed input', () => {
    fc.assert(
      fc.property(
        seedArb,
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat(),
        (seed, message, n) => {
          const pub = sodium.publicKeyFromSeed(seed);
          const sig = sodium.sign(seed, message);
          const s2 = Uint8Array.from(sig);
          s2[n % 64]! ^= 1 << (n % 8);
          const p2 = Uint8Array.from(pub);
          p2[n % 32]! ^= 1 << (n % 8);
          for (const [key, signature] of [
            [pub, s2],
            [p2, sig],
            [pub.subarray(1), sig],
            [pub, sig.subarray(1)],
            [pub, Uint8Array.from([...sig, 0])],
          ] as const) {
            expect(nodeCryptoEd25519.verify(key, message, signature)).toBe(
              sodium.verify(key, message, signature),
            );
            expect(sodium.verify(key, message, signature)).toBe(false);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('both refuse the small-order forgeries OpenSSL alone accepts', () => {
    const forgeries: [Uint8Array, Uint8Array, Uint8Array][] = [];
    for (const publicKey of SMALL_ORDER_ENCODINGS) {
      for (const point of SMALL_ORDER_ENCODINGS) {
        for (let m = 0; m < 16; m += 1) {
          const message = Uint8Array.of(m);
          const signature = new Uint8Array(64);
          signature.set(point);
          if (opensslAccepts(publicKey, message, signature)) {
            forgeries.push([publicKey, message, signature]);
          }
        }
      }
    }
    // The identity key with R = identity and S = 0 verifies every message under OpenSSL.
    expect(forgeries.length).toBeGreaterThanOrEqual(16);
    for (const [publicKey, message, signature] of forgeries) {
      expect(rejectedBySodium(publicKey, signature)).toBe(true);
      for (const backend of backends)
        expect(backend.verify(publicKey, message, signature)).toBe(false);
    }
  });

  it('refuse non-canonical public keys, as libsodium does', () => {
    for (let low = 0xed; low <= 0xff; low += 1) {
      for (const top of [0x7f, 0xff]) {
        const key = new Uint8Array(32).fill(0xff);
        key[0] = low;
        key[31] = top;
        expect(rejectedBySodium(key, new Uint8Array(64))).toBe(true);
      }
    }
    const canonical = new Uint8Array(32).fill(0xff);
    canonical[0] = 0xec;
    canonical[31] = 0x7e;
    expect(rejectedBySodium(canonical, new Uint8Array(64).fill(9))).toBe(false);
  });

  it('refuse a seed of the wrong length', () => {
    for (const backend of backends) {
      expect(() => backend.sign(new Uint8Array(31), new Uint8Array())).toThrow(RangeError);
    }
  });
});
