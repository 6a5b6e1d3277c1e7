import { publicKeyFromSeed, signEd25519, verifyEd25519 } from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { verifySignature } from './signature-check.js';

const seed = new Uint8Array(32).fill(3);
const publicKey = publicKeyFromSeed(seed);
const body = new TextEncoder().encode('{"kind":"credential.issued"}');
/** The identity point: as key, with R = identity and S = 0, OpenSSL alone accepts any body. */
const IDENTITY = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0));

describe('auditor signature check', () => {
  it('answers as core verifyEd25519 does, off the main thread', async () => {
    const signature = signEd25519(seed, body);
    const tampered = signature.slice();
    tampered[5] = (tampered[5] ?? 0) ^ 1;
    const forged = new Uint8Array(64);
    forged.set(IDENTITY);
    const cases: [Uint8Array, Uint8Array][] = [
      [publicKey, signature],
      [publicKey, tampered],
      [publicKey, signature.subarray(1)],
      [publicKey.subarray(1), signature],
      [IDENTITY, forged],
    ];
    for (const [key, sig] of cases) {
      expect(await verifySignature(key, body, sig)).toBe(verifyEd25519(key, body, sig));
    }
    expect(await verifySignature(publicKey, body, signature)).toBe(true);
    expect(await verifySignature(IDENTITY, body, forged)).toBe(false);
  });
});
