import { createHash } from 'node:crypto';
import * as noble from '@noble/ed25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, hmacSha256, sha256, sha256Hex } from './digest.js';
import { isValidPublicKey, publicKeyFromSeed, signEd25519, verifyEd25519 } from './ed25519.js';

noble.hashes.sha512 = (message: Uint8Array) =>
  new Uint8Array(createHash('sha512').update(message).digest());

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('ed25519 (the backend in use)', () => {
  it('matches RFC 8032 test 1', () => {
    const seed = Buffer.from(
      '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      'hex',
    );
    const sig = signEd25519(seed, new Uint8Array());
    expect(Buffer.from(publicKeyFromSeed(seed)).toString('hex')).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
    expect(Buffer.from(sig).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('agrees with @noble/ed25519 on keys, signatures and verification', () => {
    fc.assert(
      fc.property(seedArb, fc.uint8Array({ maxLength: 200 }), (seed, message) => {
        const pub = publicKeyFromSeed(seed);
        expect(pub).toEqual(noble.getPublicKey(seed));
        const sig = signEd25519(seed, message);
        expect(sig).toEqual(noble.sign(message, seed));
        expect(noble.verify(sig, message, pub)).toBe(true);
        expect(verifyEd25519(pub, message, noble.sign(message, seed))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects a flipped bit in message, signature or key', () => {
    fc.assert(
      fc.property(
        seedArb,
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat(),
        (seed, message, n) => {
          const pub = publicKeyFromSeed(seed);
          const sig = signEd25519(seed, message);
          const m2 = Uint8Array.from(message);
          m2[n % m2.length]! ^= 1 << (n % 8);
          expect(verifyEd25519(pub, m2, sig)).toBe(false);
          const s2 = Uint8Array.from(sig);
          s2[n % 64]! ^= 1 << (n % 8);
          expect(verifyEd25519(pub, message, s2)).toBe(false);
          const p2 = Uint8Array.from(pub);
          p2[n % 32]! ^= 1 << (n % 8);
          expect(verifyEd25519(p2, message, sig)).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('returns false (never throws) on malformed lengths', () => {
    const seed = new Uint8Array(32).fill(7);
    const pub = publicKeyFromSeed(seed);
    const sig = signEd25519(seed, Uint8Array.of(1));
    expect(verifyEd25519(pub.subarray(1), Uint8Array.of(1), sig)).toBe(false);
    expect(verifyEd25519(pub, Uint8Array.of(1), sig.subarray(1))).toBe(false);
    expect(isValidPublicKey(pub)).toBe(true);
    expect(isValidPublicKey(new Uint8Array(31))).toBe(false);
  });

  it('refuses a seed of the wrong length', () => {
    expect(() => signEd25519(new Uint8Array(31), new Uint8Array())).toThrow(RangeError);
  });

  it('keeps working past the key cache limit', () => {
    for (let i = 0; i < 4100; i++) {
      const pub = new Uint8Array(32);
      pub[0] = i & 0xff;
      pub[1] = i >> 8;
      verifyEd25519(pub, Uint8Array.of(), new Uint8Array(64));
    }
    const seed = new Uint8Array(32).fill(9);
    expect(
      verifyEd25519(publicKeyFromSeed(seed), Uint8Array.of(5), signEd25519(seed, Uint8Array.of(5))),
    ).toBe(true);
  });
});

describe('digests', () => {
  it('sha256 of "abc"', () => {
    const abc = new TextEncoder().encode('abc');
    expect(sha256Hex(abc)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(Buffer.from(sha256(abc)).toString('hex')).toBe(sha256Hex(abc));
  });

  it('hmac-sha256 RFC 4231 case 2', () => {
    const mac = hmacSha256(
      new TextEncoder().encode('Jefe'),
      new TextEncoder().encode('what do ya want for nothing?'),
    );
    expect(Buffer.from(mac).toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('constant-time equality', () => {
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(constantTimeEqual(Uint8Array.of(1), Uint8Array.of(1, 2))).toBe(false);
  });
});
