import {
  activateNext,
  addNextKey,
  createTrustBundle,
  publicKeyFromSeed,
  removeRetiredKey,
  type TrustBundle,
} from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { nextIssuerId, rotationSteps } from './key-rotation.js';

const key = (n: number) => publicKeyFromSeed(new Uint8Array(32).fill(n));

function ok(r: { ok: true; value: TrustBundle } | { ok: false; error: unknown }): TrustBundle {
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

const B1 = ok(
  createTrustBundle(
    { trustDomain: 'fleet', refreshHintS: 1, issuerId: 'root', publicKey: key(1) },
    0,
  ),
);
const B2 = ok(addNextKey(B1, { issuerId: 'root-2', publicKey: key(2) }, 1000));
const B3 = ok(activateNext(B2, 10_000));
const B4 = ok(removeRetiredKey(B3, 'root'));

describe('nextIssuerId', () => {
  it('picks the smallest free <base>-<n>, n >= 2', () => {
    expect(nextIssuerId(B1, 'root')).toBe('root-2');
    expect(nextIssuerId(B2, 'root')).toBe('root-3');
    expect(nextIssuerId(B4, 'root')).toBe('root-3');
  });
  it('returns undefined when the id would be too long', () => {
    expect(nextIssuerId(B1, 'r'.repeat(127))).toBeUndefined();
  });
});

describe('rotationSteps', () => {
  it('reports a published next key', () => {
    expect(rotationSteps(B1, B2)).toEqual([
      {
        trust_domain: 'fleet',
        bundle_sequence: 2,
        step: 'published_next',
        issuer_id: 'root-2',
        public_key: B2.keys[1]!.public_key,
      },
    ]);
  });
  it('reports activation and retirement in key order', () => {
    expect(rotationSteps(B2, B3).map((s) => [s.issuer_id, s.step, s.bundle_sequence])).toEqual([
      ['root', 'retired', 3],
      ['root-2', 'activated', 3],
    ]);
  });
  it('reports removals', () => {
    expect(rotationSteps(B3, B4).map((s) => [s.issuer_id, s.step])).toEqual([['root', 'removed']]);
  });
  it('reports the first key as activated and nothing for an unchanged bundle', () => {
    const empty: TrustBundle = { ...B1, sequence: 0, keys: [] };
    expect(rotationSteps(empty, B1).map((s) => s.step)).toEqual(['activated']);
    expect(rotationSteps(B3, B3)).toEqual([]);
  });
});
