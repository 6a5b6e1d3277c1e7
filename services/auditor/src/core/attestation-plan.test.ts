import fc from 'fast-check';
import {
  attestEvent,
  encodeChain,
  encodeClaims,
  encodeEnvelope,
  formatCredentialHeader,
  formatEd25519Header,
  issueCredential,
  publicKeyFromSeed,
  signEd25519,
  toBase64,
  toVerifierBundle,
  utf8,
  verifyEd25519,
  type IssuedCredential,
  type SignedHeaders,
  type TrustBundle,
  type VerifierBundle,
} from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import {
  createAttestationMemo,
  planAttestation,
  settleAttestation,
  type AttestationInput,
  type AttestationMemo,
} from './attestation-plan.js';

const NOW = 1_900_000_000;
const seed = (n: number) => new Uint8Array(32).fill(n);
const ROOT = seed(1);
const RETIRED = seed(2);
const CA = seed(3);
const NODE = seed(7);
const OTHER = seed(8);
const DOMAIN = 'fleet.example';

const trust: TrustBundle = {
  trust_domain: DOMAIN,
  sequence: 2,
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
  options: { readonly nowS?: number; readonly ttlS?: number } = {},
): IssuedCredential {
  const result = issueCredential({
    issuerSeed,
    issuerId,
    trustDomain: DOMAIN,
    subjectAgentId: subject,
    subjectPubkey: publicKeyFromSeed(NODE),
    nowS: options.nowS ?? NOW,
    ttlS: options.ttlS ?? 3600,
  });
  if (!result.ok) throw new Error(result.error.tag);
  return result.value;
}

const node = issue([ROOT, 'root'], 'region/nyc/node-1');
const retired = issue([RETIRED, 'old-root'], 'region/nyc/node-2');
const ca = issue([ROOT, 'root'], 'region/nyc/ca');
const caKeyed = issueCredential({
  issuerSeed: ROOT,
  issuerId: 'root',
  trustDomain: DOMAIN,
  subjectAgentId: 'region/nyc/ca',
  subjectPubkey: publicKeyFromSeed(CA),
  nowS: NOW,
  ttlS: 3600,
});
if (!caKeyed.ok) throw new Error('ca');
const chain = encodeChain([caKeyed.value.envelope]);
const chained = issue([CA, 'region/nyc/ca'], 'region/nyc/node-3');
const stranger = issue([OTHER, 'stranger'], 'region/nyc/node-1');
const expired = issue([ROOT, 'root'], 'region/nyc/node-1', { nowS: NOW - 7200, ttlS: 60 });
const badKey = (() => {
  const claims = {
    cred_version: 1,
    issuer_id: 'root',
    not_after: NOW + 3600,
    not_before: NOW - 30,
    subject_agent_id: 'region/nyc/node-1',
    subject_pubkey: new Uint8Array(32).fill(0xff),
    trust_domain: DOMAIN,
  };
  const bytes = encodeClaims(claims);
  return formatCredentialHeader(encodeEnvelope(bytes, signEd25519(ROOT, bytes)));
})();
void ca;

function eventBody(actor: string, extra = ''): Uint8Array {
  return utf8(
    `{"id":"0190a3f2-1234-7abc-8def-000000000001","type":"test.happened","actor":"${actor}","at":"2030-03-17T17:46:40.000Z"${extra},"data":{}}`,
  );
}
const sig = (by: Uint8Array, bytes: Uint8Array) => formatEd25519Header(signEd25519(by, bytes));

/** The plan settled with a synchronous check, as the shell does asynchronously. */
function attested(input: AttestationInput, memo: AttestationMemo = createAttestationMemo()) {
  const plan = planAttestation(input, memo);
  const valid =
    plan.kind === 'check_signature' && verifyEd25519(plan.publicKey, input.body, plan.signature);
  return { plan, result: settleAttestation(plan, input, valid) };
}

type Case = {
  readonly name: string;
  readonly headers: (body: Uint8Array) => SignedHeaders;
  readonly body?: Uint8Array;
  readonly plan: 'decided' | 'check_signature';
  readonly level: string;
  readonly reason?: string;
};

const n1 = eventBody('region/nyc/node-1');
const CASES: readonly Case[] = [
  { name: 'unsigned', headers: () => ({}), plan: 'decided', level: 'unsigned' },
  {
    name: 'credential signed',
    headers: (b) => ({ signature: sig(NODE, b), credential: node.header }),
    plan: 'check_signature',
    level: 'credential_signed',
  },
  {
    name: 'credential from a retired key',
    body: eventBody('region/nyc/node-2'),
    headers: (b) => ({ signature: sig(NODE, b), credential: retired.header }),
    plan: 'check_signature',
    level: 'credential_signed',
  },
  {
    name: 'credential with a chain',
    body: eventBody('region/nyc/node-3'),
    headers: (b) => ({ signature: sig(NODE, b), credential: chained.header, chain }),
    plan: 'check_signature',
    level: 'credential_signed',
  },
  {
    name: 'bad signature',
    headers: (b) => ({ signature: sig(OTHER, b), credential: node.header }),
    plan: 'check_signature',
    level: 'invalid_signature',
    reason: 'bad_signature',
  },
  {
    name: 'expired credential',
    headers: (b) => ({ signature: sig(NODE, b), credential: expired.header }),
    plan: 'decided',
    level: 'invalid_signature',
    reason: 'credential_expired',
  },
  {
    name: 'unknown issuer of the credential',
    headers: (b) => ({ signature: sig(NODE, b), credential: stranger.header }),
    plan: 'decided',
    level: 'invalid_signature',
    reason: 'credential_unknown_issuer',
  },
  {
    name: 'subject key not a curve point',
    headers: (b) => ({ signature: sig(NODE, b), credential: badKey }),
    plan: 'decided',
    level: 'invalid_signature',
    reason: 'credential_bad_subject_key',
  },
  {
    name: 'actor is not the credential subject',
    body: eventBody('region/nyc/node-9'),
    headers: (b) => ({ signature: sig(NODE, b), credential: node.header }),
    plan: 'decided',
    level: 'invalid_signature',
    reason: 'actor_mismatch',
  },
  {
    name: 'actor mismatch and bad signature: the signature is reported first',
    body: eventBody('region/nyc/node-9'),
    headers: (b) => ({ signature: sig(OTHER, b), credential: node.header }),
    plan: 'decided',
    level: 'invalid_signature',
    reason: 'bad_signature',
  },
  {
    name: 'issuer signed',
    headers: (b) => ({ signature: sig(ROOT, b), issuer: 'root' }),
    plan: 'check_signature',
    level: 'issuer_signed',
  },
  {
    name: 'issuer signed, chain header ignored',
    headers: (b) => ({ signature: sig(RETIRED, b), issuer: 'old-root', chain }),
    plan: 'check_signature',
    level: 'issuer_signed',
  },
  {
    name: 'issuer signature bad',
    headers: (b) => ({ signature: sig(NODE, b), issuer: 'root' }),
    plan: 'check_signature',
    level: 'invalid_signature',
    reason: 'bad_signature',
  },
  {
    name: 'unknown issuer id',
    headers: (b) => ({ signature: sig(ROOT, b), issuer: 'ghost' }),
    plan: 'decided',
    level: 'invalid_signature',
    reason: 'unknown_issuer',
  },
  {
    name: 'credential and issuer both',
    headers: (b) => ({ signature: sig(NODE, b), credential: node.header, issuer: 'root' }),
    plan: 'decided',
    level: 'invalid_signature',
    reason: 'ambiguous_signer',
  },
  {
    name: 'signature without a signer',
    headers: (b) => ({ signature: sig(NODE, b) }),
    plan: 'decided',
    level: 'invalid_signature',
    reason: 'credential_missing',
  },
  {
    name: 'signature header missing',
    headers: () => ({ credential: node.header }),
    plan: 'decided',
    level: 'invalid_signature',
    reason: 'signature_missing',
  },
  {
    name: 'signature header malformed',
    headers: () => ({ signature: 'ed25519=abc', credential: node.header }),
    plan: 'decided',
    level: 'invalid_signature',
    reason: 'signature_malformed',
  },
  {
    name: 'not an event body, signed: no actor check',
    body: utf8('not json at all'),
    headers: (b) => ({ signature: sig(NODE, b), credential: node.header }),
    plan: 'check_signature',
    level: 'credential_signed',
  },
  {
    name: 'an envelope with an unknown key is not an event',
    body: eventBody('region/nyc/node-9', ',"extra":1'),
    headers: (b) => ({ signature: sig(NODE, b), credential: node.header }),
    plan: 'check_signature',
    level: 'credential_signed',
  },
];

describe('planAttestation + settleAttestation', () => {
  it.each(CASES)('$name', (c) => {
    const body = c.body ?? n1;
    const input: AttestationInput = { headers: c.headers(body), body, bundle, nowS: NOW };
    const { plan, result } = attested(input);
    expect(plan.kind).toBe(c.plan);
    expect(result).toEqual(attestEvent(input));
    expect(result.attestation.attest_level).toBe(c.level);
    if (c.reason !== undefined) {
      expect(result.attestation).toMatchObject({ reason: c.reason });
    }
  });

  it('matches attestEvent for any mix of headers, bodies and times (property)', () => {
    const bodies = [n1, eventBody('region/nyc/node-3'), eventBody('region/nyc/node-9'), utf8('x')];
    const credentials = [
      undefined,
      node.header,
      chained.header,
      expired.header,
      stranger.header,
      badKey,
      '',
      'v1=AAAA',
    ];
    const signers = [NODE, ROOT, OTHER, RETIRED];
    const memo = createAttestationMemo(3);
    fc.assert(
      fc.property(
        fc.record({
          body: fc.constantFrom(...bodies),
          signer: fc.option(fc.constantFrom(...signers), { nil: undefined }),
          badSig: fc.option(fc.constantFrom('garbage', 'ed25519=', 'rsa=xyz'), { nil: undefined }),
          credential: fc.constantFrom(...credentials),
          chainValue: fc.option(fc.constantFrom(chain, '', 'v1=@@'), { nil: undefined }),
          issuer: fc.option(fc.constantFrom('root', 'old-root', 'ghost', ''), { nil: undefined }),
          nowS: fc.constantFrom(NOW, NOW - 3700, NOW + 4000, NOW - 7200),
          sameBundle: fc.boolean(),
        }),
        ({ body, signer, badSig, credential, chainValue, issuer, nowS, sameBundle }) => {
          const headers: SignedHeaders = {
            signature: badSig ?? (signer === undefined ? undefined : sig(signer, body)),
            credential,
            chain: chainValue,
            issuer,
          };
          const input: AttestationInput = {
            headers,
            body,
            bundle: sameBundle ? bundle : toVerifierBundle(trust),
            nowS,
          };
          expect(attested(input, memo).result).toEqual(attestEvent(input));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('memoizes the credential check per credential (across seconds inside its window), and resets on a new bundle', () => {
    const memo = createAttestationMemo();
    for (let i = 0; i < 5; i += 1) {
      const body = eventBody('region/nyc/node-1', `,"cause":"c${i}"`);
      attested(
        {
          headers: { signature: sig(NODE, body), credential: node.header },
          body,
          bundle,
          nowS: NOW,
        },
        memo,
      );
    }
    expect(memo.chains.size).toBe(1);
    expect(memo.points.size).toBe(1);
    attested(
      {
        headers: { signature: sig(NODE, n1), credential: node.header },
        body: n1,
        bundle,
        nowS: NOW + 1,
      },
      memo,
    );
    // Still inside the credential's window: served from the verified-leaf table.
    expect(memo.chains.size).toBe(1);
    expect(memo.leaves.size).toBe(1);
    const other = toVerifierBundle(trust);
    attested(
      {
        headers: { signature: sig(NODE, n1), credential: node.header },
        body: n1,
        bundle: other,
        nowS: NOW,
      },
      memo,
    );
    expect(memo.chains.size).toBe(1);
    expect(memo.leaves.size).toBe(1);
    expect(memo.bundle).toBe(other);
  });

  it('a verified leaf outside its window is checked again (and refused)', () => {
    const memo = createAttestationMemo();
    const at = (nowS: number) =>
      attested(
        { headers: { signature: sig(NODE, n1), credential: node.header }, body: n1, bundle, nowS },
        memo,
      ).result;
    expect(at(NOW)).toEqual(
      attestEvent({
        headers: { signature: sig(NODE, n1), credential: node.header },
        body: n1,
        bundle,
        nowS: NOW,
      }),
    );
    const late = NOW + 100_000;
    expect(at(late)).toEqual(
      attestEvent({
        headers: { signature: sig(NODE, n1), credential: node.header },
        body: n1,
        bundle,
        nowS: late,
      }),
    );
    expect(at(late).attestation.attest_level).not.toBe('credential_signed');
  });

  it('keeps each memo table within its limit', () => {
    const memo = createAttestationMemo(2);
    for (let s = 0; s < 5; s += 1) {
      attested(
        {
          headers: { signature: sig(NODE, n1), credential: node.header },
          body: n1,
          bundle,
          nowS: NOW + s,
        },
        memo,
      );
      expect(memo.chains.size).toBeLessThanOrEqual(2);
    }
  });

  it('a decided plan settles to its own attestation whatever the flag', () => {
    const input: AttestationInput = { headers: {}, body: n1, bundle, nowS: NOW };
    const plan = planAttestation(input, createAttestationMemo());
    expect(settleAttestation(plan, input, true)).toEqual(settleAttestation(plan, input, false));
  });
});
