import fc from 'fast-check';
import {
  encodeChain,
  issueCredential,
  publicKeyFromSeed,
  type IssuedCredential,
  type VerifierBundle,
} from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { applyRefresh, type FileRead, type HeldFiles, type RefreshInput } from './file-refresh.js';

/**
 * Reference §7 item 12 (renewal): nothing loaded keeps held; loaded into empty → Reloaded;
 * identical → Unchanged; a re-mint one hour later → Reloaded with the new not_after. Plus what
 * this project adds: garbled files keep the held credential, and intermediates are never lost.
 */

const NOW = 1_900_000_000;
const seed = (s: number): Uint8Array => new Uint8Array(32).fill(s);
const ROOT = seed(1);
const NODE = seed(2);
const CA = seed(3);
const NODE_ID = 'region/nyc/node-1';
const BUNDLE: VerifierBundle = {
  trustDomain: 'fleet.test',
  keys: new Map([['root', publicKeyFromSeed(ROOT)]]),
};

function issue(input: {
  subject?: string;
  key?: Uint8Array;
  issuerSeed?: Uint8Array;
  issuerId?: string;
  nowS?: number;
  ttlS?: number;
}): IssuedCredential {
  const issued = issueCredential({
    issuerSeed: input.issuerSeed ?? ROOT,
    issuerId: input.issuerId ?? 'root',
    trustDomain: 'fleet.test',
    subjectAgentId: input.subject ?? NODE_ID,
    subjectPubkey: input.key ?? publicKeyFromSeed(NODE),
    nowS: input.nowS ?? NOW,
    ttlS: input.ttlS ?? 3600,
  });
  if (!issued.ok) throw new Error(issued.error.tag);
  return issued.value;
}

const text = (value: string): FileRead => ({ kind: 'text', text: `${value}\n` });
const ABSENT: FileRead = { kind: 'absent' };

function held(cred: IssuedCredential, chain?: string): HeldFiles {
  return { leaf: cred.header, ...(chain === undefined ? {} : { chain }), claims: cred.claims };
}

function refresh(over: Partial<RefreshInput>): ReturnType<typeof applyRefresh> {
  return applyRefresh({
    held: null,
    leafFile: ABSENT,
    chainFile: ABSENT,
    expectedAgentId: NODE_ID,
    expectedPublicKey: publicKeyFromSeed(NODE),
    bundle: BUNDLE,
    nowS: NOW,
    ...over,
  });
}

/** root → region/nyc/ca → leaf, as (leaf, chain). */
function chained(nowS = NOW): { leaf: IssuedCredential; chain: string } {
  const ca = issue({ subject: 'region/nyc/ca', key: publicKeyFromSeed(CA), ttlS: 86_400, nowS });
  const leaf = issue({ issuerSeed: CA, issuerId: 'region/nyc/ca', nowS });
  return { leaf, chain: encodeChain([ca.envelope]) };
}

describe('applyRefresh: reference §7 item 12', () => {
  const first = issue({});

  it('nothing loaded keeps what is held', () => {
    expect(refresh({ held: held(first) })).toEqual({ kind: 'nothing_loaded' });
    expect(refresh({})).toEqual({ kind: 'nothing_loaded' });
  });

  it('loaded into an empty holder: reloaded (file text trimmed)', () => {
    const outcome = refresh({ leafFile: text(first.header) });
    expect(outcome).toEqual({
      kind: 'reloaded',
      leaf: first.header,
      claims: first.claims,
      credentialId: first.credentialId,
    });
  });

  it('identical claims: unchanged (no churn), even re-signed bytes', () => {
    expect(refresh({ held: held(first), leafFile: text(first.header) })).toEqual({
      kind: 'unchanged',
    });
  });

  it('a re-mint one hour later: reloaded with the new not_after', () => {
    const later = issue({ nowS: NOW + 3600 });
    const outcome = refresh({ held: held(first), leafFile: text(later.header), nowS: NOW + 3600 });
    expect(outcome.kind).toBe('reloaded');
    expect(outcome.kind === 'reloaded' && outcome.claims.not_after).toBe(NOW + 7200);
  });
});

describe('applyRefresh: a garbled or unusable file keeps the held credential', () => {
  const first = issue({});
  it.each([
    { name: 'garbage', file: text('garbage'), tag: 'credential_malformed' },
    { name: 'empty file', file: text(''), tag: 'credential_malformed' },
    { name: 'v9 header', file: text('v9=AAAA'), tag: 'credential_unsupported_version' },
    { name: 'truncated', file: text(first.header.slice(0, 40)), tag: 'credential_malformed' },
    {
      name: 'unreadable',
      file: { kind: 'unreadable', detail: 'EACCES' } satisfies FileRead,
      tag: 'file_unreadable',
    },
  ])('$name → failed $tag', ({ file, tag }) => {
    const outcome = refresh({ held: held(first), leafFile: file });
    expect(outcome.kind).toBe('failed');
    expect(outcome.kind === 'failed' && outcome.error.tag).toBe(tag);
  });

  it('another identity, another key, an expired or foreign credential: refused', () => {
    const other = issue({ subject: 'region/nyc/node-2' });
    const otherKey = issue({ key: publicKeyFromSeed(seed(9)) });
    const expired = issue({ nowS: NOW - 7200 });
    const foreign = issue({ issuerSeed: seed(7) });
    const tags = [other, otherKey, expired, foreign].map((c) => {
      const outcome = refresh({ held: held(first), leafFile: text(c.header) });
      return outcome.kind === 'failed' ? outcome.error.tag : outcome.kind;
    });
    expect(tags).toEqual([
      'accept_identity_mismatch',
      'accept_key_mismatch',
      'credential_expired',
      'credential_bad_signature',
    ]);
  });

  it('without a bundle only structure and expiry are checked', () => {
    const foreign = issue({ issuerSeed: seed(7) });
    expect(refresh({ bundle: null, leafFile: text(foreign.header) }).kind).toBe('reloaded');
    const expired = issue({ nowS: NOW - 7200 });
    const outcome = refresh({ bundle: null, leafFile: text(expired.header) });
    expect(outcome.kind === 'failed' && outcome.error.tag).toBe('accept_expired');
  });

  it('fuzz: any file text never throws and never reloads garbage', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (leaf, chain) => {
        const outcome = refresh({
          held: held(first),
          leafFile: { kind: 'text', text: leaf },
          chainFile: { kind: 'text', text: chain },
        });
        expect(['failed', 'unchanged', 'reloaded']).toContain(outcome.kind);
        expect(outcome.kind).not.toBe('reloaded');
      }),
    );
  });
});

describe('applyRefresh: the chain is never lost (reference §8 item 5 fixed)', () => {
  const { leaf, chain } = chained();

  it('leaf and chain load together and verify against a root-only bundle', () => {
    const outcome = refresh({ leafFile: text(leaf.header), chainFile: text(chain) });
    expect(outcome).toMatchObject({ kind: 'reloaded', leaf: leaf.header, chain });
  });

  it('a missing chain file keeps the held intermediates (with and without a bundle)', () => {
    for (const bundle of [BUNDLE, null]) {
      expect(refresh({ bundle, held: held(leaf, chain), leafFile: text(leaf.header) })).toEqual({
        kind: 'unchanged',
      });
    }
  });

  it('a renewed leaf with a missing chain file is taken with the held chain', () => {
    const { leaf: next } = chained(NOW + 1800);
    const ca = chained().chain;
    const outcome = refresh({
      held: held(leaf, ca),
      leafFile: text(next.header),
      nowS: NOW + 1800,
    });
    expect(outcome).toMatchObject({ kind: 'reloaded', leaf: next.header, chain: ca });
  });

  it('a root-signed leaf replaces a chained one only without the chain', () => {
    const direct = issue({ nowS: NOW + 60 });
    const outcome = refresh({
      held: held(leaf, chain),
      leafFile: text(direct.header),
      nowS: NOW + 60,
    });
    expect(outcome.kind).toBe('reloaded');
    expect(outcome.kind === 'reloaded' && outcome.chain).toBeUndefined();
  });

  it('a garbled or unreadable chain file keeps everything', () => {
    const garbled = refresh({
      held: held(leaf, chain),
      leafFile: text(leaf.header),
      chainFile: text('v1=!!!'),
    });
    expect(garbled).toEqual({
      kind: 'failed',
      error: { tag: 'credential_malformed', field: 'chain' },
    });
    const unreadable = refresh({
      held: held(leaf, chain),
      leafFile: text(leaf.header),
      chainFile: { kind: 'unreadable', detail: 'EIO' },
    });
    expect(unreadable.kind === 'failed' && unreadable.error.tag).toBe('file_unreadable');
  });

  it('an empty chain file means no intermediates: a chained leaf does not verify alone', () => {
    const outcome = refresh({ leafFile: text(leaf.header), chainFile: text('   ') });
    expect(outcome.kind === 'failed' && outcome.error.tag).toBe('credential_unknown_issuer');
  });

  it('a chain that does not go with the leaf is refused (no silent swap)', () => {
    const other = encodeChain([
      issue({ subject: 'region/sfo/ca', key: publicKeyFromSeed(seed(8)), ttlS: 86_400 }).envelope,
    ]);
    const outcome = refresh({
      held: held(leaf, chain),
      leafFile: text(leaf.header),
      chainFile: text(other),
    });
    expect(outcome.kind).toBe('failed');
  });
});
