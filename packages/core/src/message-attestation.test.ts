import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBase64, utf8 } from './bytes.js';
import { encodeChain } from './chain.js';
import { issueCredential, type IssuedCredential } from './credential-issue.js';
import type { VerifierBundle } from './credential-verify.js';
import { encodeClaims, encodeEnvelope, formatCredentialHeader } from './credential.js';
import { publicKeyFromSeed, signEd25519 } from './ed25519.js';
import {
  attestEvent,
  attestMessage,
  type AttestationInput,
  type SignedHeaders,
} from './message-attestation.js';
import { formatEd25519Header } from './signature-header.js';
import { toVerifierBundle, type TrustBundle } from './trust-bundle.js';

const NOW = 1_900_000_000;
const seed = (n: number) => new Uint8Array(32).fill(n);
const ROOT = seed(1);
const RETIRED = seed(2);
const NYC_CA = seed(3);
const NODE = seed(7);
const OTHER = seed(8);
const DOMAIN = 'fleet.example';

const trust: TrustBundle = {
  trust_domain: DOMAIN,
  sequence: 3,
  refresh_hint_s: 60,
  keys: [
    {
      issuer_id: 'root',
      public_key: toBase64(publicKeyFromSeed(ROOT)),
      state: 'active',
      added_at: '2030-01-01T00:00:00Z',
    },
    {
      issuer_id: 'old-root',
      public_key: toBase64(publicKeyFromSeed(RETIRED)),
      state: 'retired',
      added_at: '2029-01-01T00:00:00Z',
    },
  ],
};
const bundle: VerifierBundle = toVerifierBundle(trust);

function issue(
  [issuerSeed, issuerId]: readonly [Uint8Array, string],
  subject: string,
  subjectSeed: Uint8Array,
): IssuedCredential {
  const result = issueCredential({
    issuerSeed,
    issuerId,
    trustDomain: DOMAIN,
    subjectAgentId: subject,
    subjectPubkey: publicKeyFromSeed(subjectSeed),
    nowS: NOW,
    ttlS: 3600,
  });
  if (!result.ok) throw new Error(result.error.tag);
  return result.value;
}

const node = issue([ROOT, 'root'], 'region/nyc/node-1', NODE);
const retiredNode = issue([RETIRED, 'old-root'], 'region/nyc/node-2', NODE);
const nycCa = issue([ROOT, 'root'], 'region/nyc/ca', NYC_CA);
const nycLeaf = issue([NYC_CA, 'region/nyc/ca'], 'region/nyc/node-3', NODE);
const outsideLeaf = issue([NYC_CA, 'region/nyc/ca'], 'region/sfo/node-9', NODE);
const chain = encodeChain([nycCa.envelope]);
const strangerCred = issue([OTHER, 'stranger'], 'region/nyc/node-1', NODE);

/** A credential whose subject key is not a curve point (the issuer refuses to mint these). */
const badKeyCred = (() => {
  const claims = {
    cred_version: 1,
    issuer_id: 'root',
    not_after: NOW + 3600,
    not_before: NOW - 30,
    subject_agent_id: 'region/nyc/node-1',
    subject_pubkey: new Uint8Array(32).fill(0xff),
    trust_domain: DOMAIN,
  };
  const claimBytes = encodeClaims(claims);
  return formatCredentialHeader(encodeEnvelope(claimBytes, signEd25519(ROOT, claimBytes)));
})();

const body = utf8('{"hello":"world"}');
const sig = (by: Uint8Array, bytes: Uint8Array = body) =>
  formatEd25519Header(signEd25519(by, bytes));

function attest(headers: SignedHeaders, extra: Partial<AttestationInput> = {}) {
  return attestMessage({ headers, body, bundle, nowS: NOW, ...extra });
}

describe('attestMessage', () => {
  it('no signing headers → unsigned', () => {
    expect(attest({})).toEqual({ attest_level: 'unsigned' });
  });

  it('credential signed, root leaf', () => {
    const got = attest({ signature: sig(NODE), credential: node.header });
    expect(got).toMatchObject({
      attest_level: 'credential_signed',
      signer: 'region/nyc/node-1',
      credential: node.header,
    });
    expect(got).not.toHaveProperty('chain');
    if (got.attest_level !== 'credential_signed') throw new Error('unreachable');
    expect(got.signature).toEqual(signEd25519(NODE, body));
    expect(got.claims.issuer_id).toBe('root');
  });

  it('credential signed by a retired bundle key still verifies', () => {
    expect(attest({ signature: sig(NODE), credential: retiredNode.header })).toMatchObject({
      attest_level: 'credential_signed',
      signer: 'region/nyc/node-2',
    });
  });

  it('credential with an intermediate chain', () => {
    expect(
      attest(
        { signature: sig(NODE), credential: nycLeaf.header, chain },
        { expectedActor: 'region/nyc/node-3' },
      ),
    ).toMatchObject({ attest_level: 'credential_signed', signer: 'region/nyc/node-3', chain });
  });

  it('issuer signed', () => {
    expect(attest({ signature: sig(ROOT), issuer: 'root' })).toMatchObject({
      attest_level: 'issuer_signed',
      issuer: 'root',
    });
    expect(attest({ signature: sig(RETIRED), issuer: 'old-root' })).toMatchObject({
      attest_level: 'issuer_signed',
    });
  });

  it.each<[string, SignedHeaders, Partial<AttestationInput>, string]>([
    [
      'tampered body',
      { signature: sig(NODE), credential: node.header },
      { body: utf8('{"hello":"World"}') },
      'bad_signature',
    ],
    [
      'signed by another key',
      { signature: sig(OTHER), credential: node.header },
      {},
      'bad_signature',
    ],
    [
      'signed over other bytes',
      { signature: sig(NODE, utf8('x')), credential: node.header },
      {},
      'bad_signature',
    ],
    [
      'expired credential',
      { signature: sig(NODE), credential: node.header },
      { nowS: NOW + 3601 },
      'credential_expired',
    ],
    [
      'not yet valid',
      { signature: sig(NODE), credential: node.header },
      { nowS: NOW - 31 },
      'credential_not_yet_valid',
    ],
    [
      'unknown credential issuer',
      { signature: sig(NODE), credential: strangerCred.header },
      {},
      'credential_unknown_issuer',
    ],
    [
      'malformed credential',
      { signature: sig(NODE), credential: 'v1=!!' },
      {},
      'credential_malformed',
    ],
    [
      'chain without its leaf issuer',
      { signature: sig(NODE), credential: nycLeaf.header },
      {},
      'credential_unknown_issuer',
    ],
    [
      'leaf outside the delegated namespace',
      { signature: sig(NODE), credential: outsideLeaf.header, chain },
      {},
      'chain_delegation_out_of_namespace',
    ],
    [
      'malformed chain',
      { signature: sig(NODE), credential: nycLeaf.header, chain: 'v1=AAAA' },
      {},
      'credential_malformed',
    ],
    [
      'subject key not a point',
      { signature: sig(NODE), credential: badKeyCred },
      {},
      'credential_bad_subject_key',
    ],
    [
      'actor differs from the credential subject',
      { signature: sig(NODE), credential: node.header },
      { expectedActor: 'region/nyc/node-2' },
      'actor_mismatch',
    ],
    ['credential without signature', { credential: node.header }, {}, 'signature_missing'],
    [
      'signature of another algorithm',
      { signature: 'rsa=AAAA', credential: node.header },
      {},
      'signature_unknown_algorithm',
    ],
    [
      'signature not 64 bytes',
      { signature: 'ed25519=AAAA', credential: node.header },
      {},
      'signature_malformed',
    ],
    [
      'empty signature header',
      { signature: '', credential: node.header },
      {},
      'signature_unknown_algorithm',
    ],
    ['signature alone', { signature: sig(NODE) }, {}, 'credential_missing'],
    ['chain alone', { chain }, {}, 'credential_missing'],
    [
      'credential and issuer both',
      { signature: sig(ROOT), credential: node.header, issuer: 'root' },
      {},
      'ambiguous_signer',
    ],
    ['unknown Fed-Issuer', { signature: sig(ROOT), issuer: 'nobody' }, {}, 'unknown_issuer'],
    [
      'issuer signature by another key',
      { signature: sig(NODE), issuer: 'root' },
      {},
      'bad_signature',
    ],
    ['issuer without signature', { issuer: 'root' }, {}, 'signature_missing'],
  ])('%s → invalid_signature', (_name, headers, extra, reason) => {
    const got = attest(headers, extra);
    expect(got).toMatchObject({ attest_level: 'invalid_signature', reason });
    if (headers.credential !== undefined)
      expect(got).toMatchObject({ credential: headers.credential });
    if (headers.issuer !== undefined) expect(got).toMatchObject({ issuer: headers.issuer });
  });

  it('keeps the carried signature bytes on an invalid message when they parse', () => {
    const got = attest({ signature: sig(OTHER), credential: node.header });
    expect(got).toMatchObject({
      attest_level: 'invalid_signature',
      signature: signEd25519(OTHER, body),
    });
    expect(attest({ signature: 'ed25519=AAAA', credential: node.header })).not.toHaveProperty(
      'signature',
    );
  });

  it('property: a body signed by the credential key verifies; any flipped byte does not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 256 }), fc.nat(), (bytes, at) => {
        const headers = { signature: sig(NODE, bytes), credential: node.header };
        const ok = attestMessage({ headers, body: bytes, bundle, nowS: NOW });
        expect(ok.attest_level).toBe('credential_signed');
        const flipped = bytes.slice();
        const i = at % flipped.length;
        flipped[i] = (flipped[i] ?? 0) ^ 0x01;
        const bad = attestMessage({ headers, body: flipped, bundle, nowS: NOW });
        expect(bad).toMatchObject({ attest_level: 'invalid_signature', reason: 'bad_signature' });
      }),
      { numRuns: 50 },
    );
  });

  it('fuzz: arbitrary header values and bodies never throw and give a known level', () => {
    const header = fc.option(
      fc.oneof(
        fc.string(),
        fc.constantFrom(node.header, chain, sig(NODE), 'root', 'v1=', 'ed25519='),
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(
        fc.record({ signature: header, credential: header, chain: header, issuer: header }),
        fc.uint8Array({ maxLength: 64 }),
        (headers, body) => {
          const got = attestMessage({ headers, body, bundle, nowS: NOW });
          expect(['credential_signed', 'issuer_signed', 'unsigned', 'invalid_signature']).toContain(
            got.attest_level,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('attestEvent', () => {
  const event = (actor: string) =>
    utf8(
      JSON.stringify({
        id: '017f22e2-79b0-7cc3-98c4-dc0c0c07398f',
        type: 'credential.issued',
        actor,
        at: '2030-03-17T17:46:40.000Z',
        data: {},
      }),
    );

  it('checks the actor of a parsed event', () => {
    const bytes = event('region/nyc/node-1');
    const ok = attestEvent({
      headers: { signature: sig(NODE, bytes), credential: node.header },
      body: bytes,
      bundle,
      nowS: NOW,
    });
    expect(ok.event.ok).toBe(true);
    expect(ok.attestation.attest_level).toBe('credential_signed');

    const other = event('region/nyc/node-2');
    const bad = attestEvent({
      headers: { signature: sig(NODE, other), credential: node.header },
      body: other,
      bundle,
      nowS: NOW,
    });
    expect(bad.event.ok).toBe(true);
    expect(bad.attestation).toMatchObject({
      attest_level: 'invalid_signature',
      reason: 'actor_mismatch',
    });
  });

  it('still attests a body that is not an event', () => {
    const bytes = utf8('not json');
    const got = attestEvent({
      headers: { signature: sig(NODE, bytes), credential: node.header },
      body: bytes,
      bundle,
      nowS: NOW,
    });
    expect(got.event).toMatchObject({ ok: false, error: { tag: 'invalid_json' } });
    expect(got.attestation.attest_level).toBe('credential_signed');
    expect(
      attestEvent({ headers: {}, body: bytes, bundle, nowS: NOW }).attestation.attest_level,
    ).toBe('unsigned');
  });
});
