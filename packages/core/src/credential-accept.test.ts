import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeChain } from './chain.js';
import { acceptIssued, type AcceptInput } from './credential-accept.js';
import { issueCredential } from './credential-issue.js';
import type { VerifierBundle } from './credential-verify.js';
import { decodeCredential } from './credential.js';
import { publicKeyFromSeed } from './ed25519.js';

const NOW = 1_800_000_000;
const ROOT_SEED = new Uint8Array(32).fill(1);
const REGION_SEED = new Uint8Array(32).fill(2);
const SUBJECT_SEED = new Uint8Array(32).fill(3);
const OTHER_SEED = new Uint8Array(32).fill(4);
const ME = 'svc/auditor/i-1';
const MY_KEY = publicKeyFromSeed(SUBJECT_SEED);
const BUNDLE: VerifierBundle = {
  trustDomain: 'fleet.example',
  keys: new Map([['root', publicKeyFromSeed(ROOT_SEED)]]),
};

function issue(
  overrides: { subject?: string; key?: Uint8Array; nowS?: number; ttlS?: number } = {},
) {
  const result = issueCredential({
    issuerSeed: ROOT_SEED,
    issuerId: 'root',
    trustDomain: 'fleet.example',
    subjectAgentId: overrides.subject ?? ME,
    subjectPubkey: overrides.key ?? MY_KEY,
    nowS: overrides.nowS ?? NOW,
    ttlS: overrides.ttlS ?? 3_600,
  });
  if (!result.ok) throw new Error('fixture');
  return result.value;
}

function input(over: Partial<AcceptInput> = {}): AcceptInput {
  const leaf = issue();
  return {
    held: null,
    reply: { credential: leaf.header, not_after: leaf.claims.not_after },
    expectedAgentId: ME,
    expectedPublicKey: MY_KEY,
    bundle: BUNDLE,
    nowS: NOW,
    ...over,
  };
}

describe('acceptIssued', () => {
  it('swaps in a first credential that verifies against the bundle', () => {
    const leaf = issue();
    expect(acceptIssued(input())).toEqual({
      kind: 'swap',
      claims: leaf.claims,
      credentialId: leaf.credentialId,
    });
  });

  it('keeps identical claims (no churn) and swaps a renewed one', () => {
    const leaf = issue();
    const held = { claims: leaf.claims };
    expect(acceptIssued(input({ held }))).toEqual({ kind: 'unchanged' });
    const renewed = issue({ nowS: NOW + 10 });
    const outcome = acceptIssued(
      input({ held, reply: { credential: renewed.header, not_after: renewed.claims.not_after } }),
    );
    expect(outcome).toMatchObject({ kind: 'swap', credentialId: renewed.credentialId });
  });

  it.each<[string, () => Partial<AcceptInput>, unknown]>([
    [
      'garbled leaf',
      () => ({ reply: { credential: 'v1=@@@', not_after: NOW } }),
      { tag: 'credential_malformed' },
    ],
    [
      'unsupported version',
      () => ({ reply: { credential: 'v2=AAAA', not_after: NOW } }),
      { tag: 'credential_unsupported_version', version: 2 },
    ],
    [
      'someone else',
      () => {
        const leaf = issue({ subject: 'svc/auditor/other' });
        return { reply: { credential: leaf.header, not_after: leaf.claims.not_after } };
      },
      { tag: 'accept_identity_mismatch', expected: ME, actual: 'svc/auditor/other' },
    ],
    [
      'another key',
      () => {
        const leaf = issue({ key: publicKeyFromSeed(OTHER_SEED) });
        return { reply: { credential: leaf.header, not_after: leaf.claims.not_after } };
      },
      { tag: 'accept_key_mismatch' },
    ],
    [
      'not_after disagreeing with the claims',
      () => {
        const leaf = issue();
        return { reply: { credential: leaf.header, not_after: leaf.claims.not_after + 1 } };
      },
      { tag: 'accept_not_after_mismatch', reply: NOW + 3_601, claims: NOW + 3_600 },
    ],
    [
      'unknown issuer',
      () => ({ bundle: { trustDomain: 'fleet.example', keys: new Map() } }),
      { tag: 'credential_unknown_issuer' },
    ],
    ['expired against the bundle', () => ({ nowS: NOW + 3_601 }), { tag: 'credential_expired' }],
    [
      'expired without a bundle',
      () => ({ nowS: NOW + 3_601, bundle: null }),
      { tag: 'accept_expired', not_after: NOW + 3_600 },
    ],
    [
      'garbled chain without a bundle',
      () => {
        const leaf = issue();
        return {
          bundle: null,
          reply: { credential: leaf.header, chain: 'v1=!!', not_after: leaf.claims.not_after },
        };
      },
      { tag: 'credential_malformed' },
    ],
  ])('refuses %s', (_name, over, error) => {
    expect(acceptIssued(input(over()))).toEqual({ kind: 'reject', error });
  });

  it('verifies a leaf together with its chain, and refuses a chain that does not fit', () => {
    const intermediate = issueCredential({
      issuerSeed: ROOT_SEED,
      issuerId: 'root',
      trustDomain: 'fleet.example',
      subjectAgentId: 'region/nyc/ca',
      subjectPubkey: publicKeyFromSeed(REGION_SEED),
      nowS: NOW,
      ttlS: 86_400,
    });
    const leaf = issueCredential({
      issuerSeed: REGION_SEED,
      issuerId: 'region/nyc/ca',
      trustDomain: 'fleet.example',
      subjectAgentId: 'region/nyc/node-1',
      subjectPubkey: MY_KEY,
      nowS: NOW,
      ttlS: 3_600,
    });
    if (!intermediate.ok || !leaf.ok) throw new Error('fixture');
    const chain = encodeChain([intermediate.value.envelope]);
    const base = {
      expectedAgentId: 'region/nyc/node-1',
      reply: { credential: leaf.value.header, chain, not_after: leaf.value.claims.not_after },
    };
    expect(acceptIssued(input(base))).toMatchObject({ kind: 'swap' });
    expect(acceptIssued(input({ ...base, bundle: null }))).toMatchObject({ kind: 'swap' });
    // Without its chain the leaf's issuer is unknown: the held pair stays.
    const noChain = { credential: base.reply.credential, not_after: base.reply.not_after };
    expect(acceptIssued(input({ ...base, reply: noChain }))).toEqual({
      kind: 'reject',
      error: { tag: 'credential_unknown_issuer' },
    });
    // Same claims but a chain now present: swapped (the chain is replaced with its leaf).
    const decoded = decodeCredential(leaf.value.header);
    if (!decoded.ok) throw new Error('fixture');
    expect(acceptIssued(input({ ...base, held: { claims: decoded.value.claims } }))).toMatchObject({
      kind: 'swap',
    });
    expect(acceptIssued(input({ ...base, held: { claims: decoded.value.claims, chain } }))).toEqual(
      { kind: 'unchanged' },
    );
  });

  it('never throws on arbitrary replies', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.option(fc.string(), { nil: undefined }),
        fc.integer(),
        fc.boolean(),
        (credential, chain, notAfter, withBundle) => {
          const outcome = acceptIssued(
            input({
              reply: { credential, ...(chain === undefined ? {} : { chain }), not_after: notAfter },
              bundle: withBundle ? BUNDLE : null,
            }),
          );
          expect(outcome.kind).toBe('reject');
        },
      ),
    );
  });

  it('never throws on v1= prefixed random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const credential = `v1=${Buffer.from(bytes).toString('base64')}`;
        expect(acceptIssued(input({ reply: { credential, not_after: NOW } })).kind).toBe('reject');
      }),
    );
  });
});
