import { createHash } from 'node:crypto';
import * as noble from '@noble/ed25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { publicKeyFromSeed } from './ed25519.js';
import {
  isValidRenewNonce,
  renewPopMessage,
  signRenewPop,
  verifyRenewPop,
  type RenewPopInput,
} from './renew-pop.js';

noble.hashes.sha512 = (message: Uint8Array) =>
  new Uint8Array(createHash('sha512').update(message).digest());

const seed = new Uint8Array(32).fill(7);
const pub = publicKeyFromSeed(seed);
const input: RenewPopInput = {
  credential: 'v1=AAAA',
  newPublicKey: Buffer.from(publicKeyFromSeed(new Uint8Array(32).fill(8))).toString('base64'),
  nonce: 'b3c1f6a2-58d4-4e0b-9a7c-2f1e0d3c4b5a',
  ts: 1_900_000_005,
};

describe('renewPopMessage', () => {
  it('is the five newline-separated fields', () => {
    expect(Buffer.from(renewPopMessage(input)).toString('utf8')).toBe(
      `fedplane-renew-v1\nv1=AAAA\n${input.newPublicKey}\n${input.nonce}\n1900000005`,
    );
    expect(Buffer.from(renewPopMessage({ ...input, newPublicKey: '' })).toString('utf8')).toBe(
      `fedplane-renew-v1\nv1=AAAA\n\n${input.nonce}\n1900000005`,
    );
  });
});

describe('isValidRenewNonce', () => {
  it.each<[string, boolean]>([
    ['a'.repeat(16), true],
    ['a'.repeat(128), true],
    ['A-z_0-9-A-z_0-9-', true],
    ['a'.repeat(15), false],
    ['a'.repeat(129), false],
    ['a'.repeat(15) + '.', false],
    ['a'.repeat(15) + '\n', false],
    ['a'.repeat(15) + 'é', false],
    ['', false],
  ])('%j → %s', (nonce, ok) => {
    expect(isValidRenewNonce(nonce)).toBe(ok);
  });
});

describe('signRenewPop / verifyRenewPop', () => {
  const pop = signRenewPop(seed, input);

  it('signs with the subject key and verifies', () => {
    expect(pop.startsWith('ed25519=')).toBe(true);
    expect(verifyRenewPop(pub, input, pop)).toEqual({ ok: true });
    expect(
      verifyRenewPop(
        pub,
        { ...input, newPublicKey: '' },
        signRenewPop(seed, { ...input, newPublicKey: '' }),
      ),
    ).toEqual({
      ok: true,
    });
  });

  it.each<[string, Partial<RenewPopInput>, string]>([
    ['another credential', { credential: 'v1=AAAB' }, 'renew_pop_bad_signature'],
    ['another new key', { newPublicKey: '' }, 'renew_pop_bad_signature'],
    ['another nonce', { nonce: 'x'.repeat(16) }, 'renew_pop_bad_signature'],
    ['another ts', { ts: 1_900_000_006 }, 'renew_pop_bad_signature'],
    ['a short nonce', { nonce: 'short' }, 'renew_nonce_invalid'],
    ['a negative ts', { ts: -1 }, 'renew_ts_invalid'],
    ['a fractional ts', { ts: 1.5 }, 'renew_ts_invalid'],
    [
      'a 31-byte new key',
      { newPublicKey: Buffer.alloc(31).toString('base64') },
      'renew_new_key_invalid',
    ],
    ['a hex new key', { newPublicKey: 'ab'.repeat(32) }, 'renew_new_key_invalid'],
  ])('refuses %s', (_label, change, tag) => {
    expect(verifyRenewPop(pub, { ...input, ...change }, pop)).toEqual({
      ok: false,
      error: { tag },
    });
  });

  it.each<[string, string | undefined, string]>([
    ['a missing pop', undefined, 'x_memory_sig_missing'],
    ['another algorithm', 'rsa=AAAA', 'x_memory_sig_unknown_algorithm'],
    [
      'a short signature',
      `ed25519=${Buffer.alloc(32).toString('base64')}`,
      'x_memory_sig_malformed',
    ],
  ])('refuses %s', (_label, value, tag) => {
    expect(verifyRenewPop(pub, input, value)).toEqual({ ok: false, error: { tag } });
  });

  it('refuses a pop by another key', () => {
    expect(verifyRenewPop(publicKeyFromSeed(new Uint8Array(32).fill(9)), input, pop)).toEqual({
      ok: false,
      error: { tag: 'renew_pop_bad_signature' },
    });
  });

  it('agrees with @noble/ed25519 both ways', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{16,40}$/),
        fc.nat(),
        (s, nonce, ts) => {
          const i = { ...input, nonce, ts };
          const p = noble.getPublicKey(s);
          const ours = signRenewPop(s, i);
          const sig = Buffer.from(ours.slice('ed25519='.length), 'base64');
          expect(noble.verify(sig, renewPopMessage(i), p)).toBe(true);
          const theirs = `ed25519=${Buffer.from(noble.sign(renewPopMessage(i), s)).toString('base64')}`;
          expect(verifyRenewPop(p, i, theirs)).toEqual({ ok: true });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('never throws on arbitrary inputs', () => {
    const inputArb = fc.record({
      credential: fc.string(),
      newPublicKey: fc.oneof(fc.string(), fc.base64String()),
      nonce: fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_-]{16,20}$/)),
      ts: fc.oneof(fc.double(), fc.nat()),
    });
    fc.assert(
      fc.property(inputArb, fc.option(fc.string()), (i, p) => {
        const result = verifyRenewPop(pub, i, p);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
