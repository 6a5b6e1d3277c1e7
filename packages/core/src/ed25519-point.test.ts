import * as noble from '@noble/ed25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { publicKeyFromSeed } from './ed25519.js';
import { isEd25519Point } from './ed25519-point.js';

const h = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

/** noble's strict RFC 8032 decoding as the oracle. */
function nobleAccepts(bytes: Uint8Array): boolean {
  try {
    noble.Point.fromBytes(bytes, false);
    return true;
  } catch {
    return false;
  }
}

const pEncoded = 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f';

describe('isEd25519Point', () => {
  it.each<[string, string, boolean]>([
    [
      'RFC 8032 test 1 key',
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      true,
    ],
    ['identity point (y = 1)', '01' + '00'.repeat(31), true],
    ['y = 0 (small order)', '00'.repeat(32), true],
    ['y = 1 with the sign bit set (x = 0, sign 1)', '01' + '00'.repeat(30) + '80', false],
    ['non-canonical y = p', pEncoded, false],
    [
      'non-canonical y = p + 1',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      false,
    ],
    ['y = 2 (not on the curve)', '02' + '00'.repeat(31), false],
  ])('%s → %s', (_label, hex, expected) => {
    expect(isEd25519Point(h(hex))).toBe(expected);
    expect(nobleAccepts(h(hex))).toBe(expected);
  });

  it('refuses wrong lengths', () => {
    expect(isEd25519Point(new Uint8Array(31))).toBe(false);
    expect(isEd25519Point(new Uint8Array(33))).toBe(false);
  });

  it('accepts every derived public key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        expect(isEd25519Point(publicKeyFromSeed(seed))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('agrees with @noble/ed25519 strict decoding on random bytes (about half are not points)', () => {
    let points = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const accepted = isEd25519Point(bytes);
        if (accepted) points += 1;
        expect(accepted).toBe(nobleAccepts(bytes));
      }),
      { numRuns: 400 },
    );
    expect(points).toBeGreaterThan(100);
    expect(points).toBeLessThan(300);
  });
});
