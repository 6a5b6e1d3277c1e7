import { createHash } from 'node:crypto';
import * as noble from '@noble/ed25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INTERMEDIATE_TTL_S,
  DEFAULT_LEAF_TTL_S,
  ISSUER_CLOCK_SKEW_S,
  issueCredential,
  type IssueInput,
} from './credential-issue.js';
import { verifyWithBundle } from './credential-verify.js';
import { decodeCredential, encodeClaims } from './credential.js';
import { publicKeyFromSeed } from './ed25519.js';

noble.hashes.sha512 = (message: Uint8Array) =>
  new Uint8Array(createHash('sha512').update(message).digest());

const NOW = 1_900_000_000;
const issuerSeed = new Uint8Array(32).fill(1);
const input: IssueInput = {
  issuerSeed,
  issuerId: 'root',
  trustDomain: 'fleet.example',
  subjectAgentId: 'region/nyc/node-1',
  subjectPubkey: publicKeyFromSeed(new Uint8Array(32).fill(7)),
  nowS: NOW,
  ttlS: DEFAULT_LEAF_TTL_S,
};

describe('issueCredential', () => {
  it('sets not_before = now − 30, not_after = now + ttl, cred_version 1', () => {
    const issued = issueCredential(input);
    expect(issued.ok).toBe(true);
    if (!issued.ok) return;
    expect(issued.value.claims).toEqual({
      cred_version: 1,
      issuer_id: 'root',
      not_after: NOW + 3600,
      not_before: NOW - ISSUER_CLOCK_SKEW_S,
      subject_agent_id: 'region/nyc/node-1',
      subject_pubkey: input.subjectPubkey,
      trust_domain: 'fleet.example',
    });
    expect(issued.value.claimBytes).toEqual(encodeClaims(issued.value.claims));
    expect(issued.value.header.startsWith('v1=')).toBe(true);
    expect(issued.value.credentialId).toBe(
      createHash('sha256').update(issued.value.envelope).digest('hex'),
    );
    expect(decodeCredential(issued.value.header)).toEqual({
      ok: true,
      value: {
        claims: issued.value.claims,
        claimBytes: issued.value.claimBytes,
        signature: issued.value.signature,
        envelope: issued.value.envelope,
      },
    });
  });

  it('honours the TTL (300 s, intermediate 86 400 s)', () => {
    const short = issueCredential({ ...input, ttlS: 300 });
    const long = issueCredential({ ...input, ttlS: DEFAULT_INTERMEDIATE_TTL_S });
    expect(short.ok && short.value.claims.not_after).toBe(NOW + 300);
    expect(long.ok && long.value.claims.not_after).toBe(NOW + 86_400);
  });

  it.each([0, -10, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER])('refuses ttl %s', (ttlS) => {
    expect(issueCredential({ ...input, ttlS })).toEqual({
      ok: false,
      error: { tag: 'issuer_invalid_ttl', ttl_s: ttlS },
    });
  });

  it('refuses a now so low that not_before leaves the safe range', () => {
    expect(issueCredential({ ...input, nowS: Number.MIN_SAFE_INTEGER })).toMatchObject({
      ok: false,
      error: { tag: 'issuer_invalid_ttl' },
    });
    expect(() => issueCredential({ ...input, nowS: 1.5 })).toThrow(RangeError);
  });

  it.each<[string, string, string]>([
    ['empty', '', 'empty'],
    ['traversal', '../../etc/secret', 'dot_dot'],
    ['leading slash', '/root', 'leading_slash'],
    ['space', 'node 1', 'bad_character'],
  ])('refuses a malformed subject id (%s)', (_label, subjectAgentId, reason) => {
    expect(issueCredential({ ...input, subjectAgentId })).toEqual({
      ok: false,
      error: { tag: 'issuer_invalid_subject', reason },
    });
  });

  it('refuses a subject key that is not 32 bytes of a curve point', () => {
    for (const subjectPubkey of [new Uint8Array(8), new Uint8Array(32).fill(0xff)]) {
      expect(issueCredential({ ...input, subjectPubkey })).toEqual({
        ok: false,
        error: { tag: 'issuer_invalid_subject_key' },
      });
    }
  });

  it('every issued credential verifies here and under @noble/ed25519', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 1, max: 10 ** 9 }),
        fc.integer({ min: 1, max: 10 ** 7 }),
        (seed, subjectSeed, nowS, ttlS) => {
          const issued = issueCredential({
            ...input,
            issuerSeed: seed,
            subjectPubkey: publicKeyFromSeed(subjectSeed),
            nowS,
            ttlS,
          });
          if (!issued.ok) throw new Error(issued.error.tag);
          const pub = noble.getPublicKey(seed);
          expect(noble.verify(issued.value.signature, issued.value.claimBytes, pub)).toBe(true);
          const bundle = { trustDomain: 'fleet.example', keys: new Map([['root', pub]]) };
          expect(verifyWithBundle(issued.value, bundle, nowS).ok).toBe(true);
          expect(verifyWithBundle(issued.value, bundle, nowS + ttlS + 1).ok).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });
});
