import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from './cbor-encode.js';
import {
  decodeChain,
  decodeChainFile,
  delegatedNamespace,
  encodeChain,
  isWithinNamespace,
  verifyChain,
  verifyDecodedChain,
  verifyIdentity,
} from './chain.js';
import { issueCredential } from './credential-issue.js';
import type { VerifierBundle } from './credential-verify.js';
import {
  encodeClaims,
  encodeEnvelope,
  formatCredentialHeader,
  type Claims,
  type DecodedCredential,
} from './credential.js';
import { publicKeyFromSeed, signEd25519 } from './ed25519.js';

const NOW = 1_900_000_000;
const seed = (n: number) => new Uint8Array(32).fill(n);
const ROOT = seed(1);
const NYC_CA = seed(3);
const SUB_CA = seed(4);
const ATTACKER = seed(9);
const SUBJECT = seed(7);
const NOT_A_POINT = new Uint8Array(32).fill(0xff);
const bundle: VerifierBundle = {
  trustDomain: 'fleet.example',
  keys: new Map([['root', publicKeyFromSeed(ROOT)]]),
};

/** Signs arbitrary claims (the issuer refuses some of the shapes these tests need). */
function mint(
  claims: Partial<Claims> & Pick<Claims, 'issuer_id' | 'subject_agent_id'>,
  by: Uint8Array,
): DecodedCredential {
  const full: Claims = {
    cred_version: 1,
    not_after: NOW + 3600,
    not_before: NOW - 30,
    subject_pubkey: publicKeyFromSeed(SUBJECT),
    trust_domain: 'fleet.example',
    ...claims,
  };
  const claimBytes = encodeClaims(full);
  const signature = signEd25519(by, claimBytes);
  return { claims: full, claimBytes, signature, envelope: encodeEnvelope(claimBytes, signature) };
}

/** Issues `subjectAgentId` (key from `subjectSeed`) signed by `[issuerSeed, issuerId]`. */
function issue(
  [issuerSeed, issuerId]: readonly [Uint8Array, string],
  subjectAgentId: string,
  subjectSeed: Uint8Array,
  ttlS = 3600,
) {
  const result = issueCredential({
    issuerSeed,
    issuerId,
    trustDomain: 'fleet.example',
    subjectAgentId,
    subjectPubkey: publicKeyFromSeed(subjectSeed),
    nowS: NOW,
    ttlS,
  });
  if (!result.ok) throw new Error(result.error.tag);
  return result.value;
}

const nycCa = issue([ROOT, 'root'], 'region/nyc/ca', NYC_CA, 86_400);
const leaf = issue([NYC_CA, 'region/nyc/ca'], 'region/nyc/node-1', SUBJECT);
const directLeaf = issue([ROOT, 'root'], 'region/nyc/node-1', SUBJECT);

const run = (
  intermediates: readonly DecodedCredential[],
  child: DecodedCredential,
  nowS = NOW,
  maxDepth?: number,
) =>
  verifyDecodedChain({
    leaf: child,
    intermediates,
    bundle,
    nowS,
    ...(maxDepth === undefined ? {} : { maxDepth }),
  });

describe('chain encoding', () => {
  it('round-trips envelopes anchor first', () => {
    const value = encodeChain([nycCa.envelope, directLeaf.envelope]);
    expect(value.startsWith('v1=')).toBe(true);
    const decoded = decodeChain(value);
    expect(decoded.ok && decoded.value.map((c) => c.envelope)).toEqual([
      nycCa.envelope,
      directLeaf.envelope,
    ]);
    expect(decodeChainFile(`\n ${value} \n`).ok).toBe(true);
  });

  it('an empty array is no intermediates', () => {
    expect(decodeChain(encodeChain([]))).toEqual({ ok: true, value: [] });
  });

  it.each<[string, string]>([
    ['no prefix', encodeChain([nycCa.envelope]).slice(3)],
    [
      'another version (no unsupported-version branch)',
      `v2=${encodeChain([nycCa.envelope]).slice(3)}`,
    ],
    ['bad base64', 'v1=!!!!'],
    ['empty', 'v1='],
    ['a byte string', `v1=${Buffer.from(encodeCbor(new Uint8Array(1))).toString('base64')}`],
    ['a text element', `v1=${Buffer.from(encodeCbor(['abc'])).toString('base64')}`],
    [
      'an element that is not an envelope',
      `v1=${Buffer.from(encodeCbor([new Uint8Array([1, 2])])).toString('base64')}`,
    ],
    ['trailing bytes', `v1=${Buffer.from([0x80, 0x00]).toString('base64')}`],
  ])('malformed: %s', (_label, value) => {
    expect(decodeChain(value)).toEqual({ ok: false, error: { tag: 'credential_malformed' } });
  });
});

describe('delegation namespace', () => {
  it.each<[string, string]>([
    ['region/nyc/ca', 'region/nyc'],
    ['region/nyc', 'region/nyc'],
    ['region/nyc/ca/ca', 'region/nyc/ca'],
    ['ca', 'ca'],
    ['region/ca-east', 'region/ca-east'],
    ['/ca', ''],
  ])('delegatedNamespace(%s) = %s', (id, ns) => {
    expect(delegatedNamespace(id)).toBe(ns);
  });

  it.each<[string, string, boolean]>([
    ['region/nyc/node-1', 'region/nyc', true],
    ['region/nyc', 'region/nyc', true],
    ['region/nyc/a/b', 'region/nyc', true],
    ['region/sfo/node-9', 'region/nyc', false],
    ['region/nyceast/node-2', 'region/nyc', false],
    ['region', 'region/nyc', false],
    ['anything', '', true],
  ])('isWithinNamespace(%s, %s) = %s', (subject, ns, expected) => {
    expect(isWithinNamespace(subject, ns)).toBe(expected);
  });
});

describe('verifyDecodedChain', () => {
  it('root → region/nyc/ca → leaf verifies and returns the leaf claims', () => {
    expect(run([nycCa], leaf)).toEqual({ ok: true, value: leaf.claims });
  });

  it('no intermediates is plain bundle verification (errors without link)', () => {
    expect(run([], directLeaf)).toEqual({ ok: true, value: directLeaf.claims });
    expect(run([], directLeaf, NOW + 7200)).toEqual({
      ok: false,
      error: { tag: 'credential_expired' },
    });
  });

  it('checks depth before any crypto', () => {
    const junk = mint({ issuer_id: 'nobody', subject_agent_id: 'x' }, ATTACKER);
    expect(run([junk, junk], junk)).toEqual({
      ok: false,
      error: { tag: 'chain_too_deep', depth: 3, max: 2 },
    });
    expect(run([nycCa], leaf, NOW, 1)).toEqual({
      ok: false,
      error: { tag: 'chain_too_deep', depth: 2, max: 1 },
    });
  });

  it('allows deeper chains when maxDepth allows, with nested delegation', () => {
    const regionCa = issue([ROOT, 'root'], 'region/ca', SUB_CA, 86_400);
    const nyc = issue([SUB_CA, 'region/ca'], 'region/nyc/ca', NYC_CA, 86_400);
    expect(run([regionCa, nyc], leaf, NOW, 3)).toEqual({ ok: true, value: leaf.claims });
    const escape = issue([SUB_CA, 'region/ca'], 'other/ca', NYC_CA, 86_400);
    const otherLeaf = issue([NYC_CA, 'other/ca'], 'other/node-1', SUBJECT);
    expect(run([regionCa, escape], otherLeaf, NOW, 3)).toEqual({
      ok: false,
      error: {
        tag: 'chain_delegation_out_of_namespace',
        subject: 'other/ca',
        delegated_namespace: 'region',
      },
    });
  });

  it('an empty delegated namespace delegates everything', () => {
    const anyCa = mint(
      { issuer_id: 'root', subject_agent_id: '', subject_pubkey: publicKeyFromSeed(NYC_CA) },
      ROOT,
    );
    const anyLeaf = mint({ issuer_id: '', subject_agent_id: 'somewhere/else' }, NYC_CA);
    expect(run([anyCa], anyLeaf).ok).toBe(true);
  });

  it.each<[string, () => DecodedCredential, Record<string, unknown>]>([
    [
      'name mismatch',
      () => mint({ issuer_id: 'region/sfo/ca', subject_agent_id: 'region/nyc/node-1' }, NYC_CA),
      { tag: 'chain_name_mismatch', issuer_id: 'region/sfo/ca', parent_subject: 'region/nyc/ca' },
    ],
    [
      'domain mismatch',
      () =>
        mint(
          {
            issuer_id: 'region/nyc/ca',
            subject_agent_id: 'region/nyc/node-1',
            trust_domain: 'other.tenant',
          },
          NYC_CA,
        ),
      {
        tag: 'chain_domain_mismatch',
        trust_domain: 'other.tenant',
        parent_trust_domain: 'fleet.example',
      },
    ],
    [
      'leaf signed by an imposter',
      () => mint({ issuer_id: 'region/nyc/ca', subject_agent_id: 'region/nyc/node-1' }, ATTACKER),
      { tag: 'credential_bad_signature', link: true },
    ],
    [
      'leaf expired',
      () =>
        mint(
          { issuer_id: 'region/nyc/ca', subject_agent_id: 'region/nyc/node-1', not_after: NOW - 1 },
          NYC_CA,
        ),
      { tag: 'credential_expired', link: true },
    ],
    [
      'leaf of an unsupported version',
      () =>
        mint(
          { issuer_id: 'region/nyc/ca', subject_agent_id: 'region/nyc/node-1', cred_version: 2 },
          NYC_CA,
        ),
      { tag: 'credential_unsupported_version', version: 2, link: true },
    ],
    [
      'signature checked before delegation',
      () => mint({ issuer_id: 'region/nyc/ca', subject_agent_id: 'region/sfo/node-1' }, ATTACKER),
      { tag: 'credential_bad_signature', link: true },
    ],
    [
      'delegation out of namespace',
      () => mint({ issuer_id: 'region/nyc/ca', subject_agent_id: 'region/sfo/node-1' }, NYC_CA),
      {
        tag: 'chain_delegation_out_of_namespace',
        subject: 'region/sfo/node-1',
        delegated_namespace: 'region/nyc',
      },
    ],
  ])('leaf under the nyc intermediate: %s', (_label, child, error) => {
    expect(run([nycCa], child())).toEqual({ ok: false, error });
  });

  it.each<[string, () => DecodedCredential, VerifierBundle | undefined, Record<string, unknown>]>([
    [
      'anchor self-signed by an attacker',
      () =>
        mint(
          {
            issuer_id: 'root',
            subject_agent_id: 'region/nyc/ca',
            subject_pubkey: publicKeyFromSeed(NYC_CA),
          },
          ATTACKER,
        ),
      undefined,
      { tag: 'credential_bad_signature', link: true },
    ],
    [
      'anchor expired',
      () =>
        mint(
          {
            issuer_id: 'root',
            subject_agent_id: 'region/nyc/ca',
            subject_pubkey: publicKeyFromSeed(NYC_CA),
            not_after: NOW - 3600,
          },
          ROOT,
        ),
      undefined,
      { tag: 'credential_expired', link: true },
    ],
    [
      'anchor issuer not in the bundle',
      () => nycCa,
      { trustDomain: 'fleet.example', keys: new Map([['root-old', publicKeyFromSeed(ROOT)]]) },
      { tag: 'credential_unknown_issuer', link: true },
    ],
    [
      'anchor in another trust domain',
      () => nycCa,
      { trustDomain: 'other.tenant', keys: bundle.keys },
      { tag: 'credential_wrong_trust_domain', link: true },
    ],
    [
      'parent subject key not a curve point',
      () =>
        mint(
          { issuer_id: 'root', subject_agent_id: 'region/nyc/ca', subject_pubkey: NOT_A_POINT },
          ROOT,
        ),
      undefined,
      { tag: 'credential_bad_subject_key', link: true },
    ],
  ])('anchor: %s', (_label, anchor, b, error) => {
    const result = verifyDecodedChain({
      leaf,
      intermediates: [anchor()],
      bundle: b ?? bundle,
      nowS: NOW,
    });
    expect(result).toEqual({ ok: false, error });
  });
});

describe('verifyChain (header values)', () => {
  it('parses the headers then verifies', () => {
    const chain = encodeChain([nycCa.envelope]);
    expect(verifyChain({ leaf: leaf.header, chain, bundle, nowS: NOW })).toEqual({
      ok: true,
      value: leaf.claims,
    });
    expect(verifyChain({ leaf: directLeaf.header, chain: null, bundle, nowS: NOW }).ok).toBe(true);
    expect(verifyChain({ leaf: directLeaf.header, bundle, nowS: NOW }).ok).toBe(true);
    expect(verifyChain({ leaf: leaf.header, chain, bundle, nowS: NOW, maxDepth: 1 })).toMatchObject(
      {
        ok: false,
        error: { tag: 'chain_too_deep' },
      },
    );
  });

  it('reports parse failures without link, leaf first', () => {
    expect(verifyChain({ leaf: 'v9=AAAA', chain: 'junk', bundle, nowS: NOW })).toEqual({
      ok: false,
      error: { tag: 'credential_unsupported_version', version: 9 },
    });
    expect(verifyChain({ leaf: leaf.header, chain: 'junk', bundle, nowS: NOW })).toEqual({
      ok: false,
      error: { tag: 'credential_malformed' },
    });
  });

  it('a leaf signed by an intermediate without its chain has an unknown issuer', () => {
    expect(verifyChain({ leaf: leaf.header, bundle, nowS: NOW })).toEqual({
      ok: false,
      error: { tag: 'credential_unknown_issuer' },
    });
  });

  it('never throws on arbitrary header values', () => {
    const valid = encodeChain([nycCa.envelope]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 200 }).map((b) => `v1=${Buffer.from(b).toString('base64')}`),
        ),
        fc.oneof(
          fc.constant(undefined),
          fc.string(),
          fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
            const bytes = Buffer.from(valid.slice(3), 'base64');
            const i = at % bytes.byteLength;
            bytes[i] = (bytes[i] ?? 0) ^ xor;
            return `v1=${bytes.toString('base64')}`;
          }),
        ),
        (leafValue, chain) => {
          const result = verifyChain({ leaf: leafValue, chain, bundle, nowS: NOW });
          expect(result.ok).toBe(false);
          const decoded = chain === undefined ? undefined : decodeChain(chain);
          if (decoded !== undefined && !decoded.ok)
            expect(decoded.error.tag).toBe('credential_malformed');
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('verifyIdentity', () => {
  const chain = encodeChain([nycCa.envelope]);

  it('binds the leaf subject to the claimed sender', () => {
    expect(
      verifyIdentity({
        leaf: leaf.header,
        chain,
        bundle,
        nowS: NOW,
        expectedAgentId: 'region/nyc/node-1',
      }),
    ).toEqual({
      ok: true,
      value: leaf.claims,
    });
    expect(
      verifyIdentity({
        leaf: leaf.header,
        chain,
        bundle,
        nowS: NOW,
        expectedAgentId: 'region/nyc/node-2',
      }),
    ).toEqual({
      ok: false,
      error: {
        tag: 'credential_identity_mismatch',
        expected: 'region/nyc/node-2',
        actual: 'region/nyc/node-1',
      },
    });
  });

  it('passes chain failures through', () => {
    expect(
      verifyIdentity({
        leaf: leaf.header,
        bundle,
        nowS: NOW,
        expectedAgentId: 'region/nyc/node-1',
      }),
    ).toEqual({
      ok: false,
      error: { tag: 'credential_unknown_issuer' },
    });
  });

  it('refuses a leaf whose subject key is not a curve point', () => {
    const bad = mint(
      { issuer_id: 'root', subject_agent_id: 'node-x', subject_pubkey: NOT_A_POINT },
      ROOT,
    );
    expect(
      verifyIdentity({
        leaf: formatCredentialHeader(bad.envelope),
        bundle,
        nowS: NOW,
        expectedAgentId: 'node-x',
      }),
    ).toEqual({ ok: false, error: { tag: 'credential_bad_subject_key' } });
  });
});
