import fc from 'fast-check';
import {
  createTrustBundle,
  credentialId,
  encodeChain,
  encodeClaims,
  encodeEnvelope,
  formatCredentialHeader,
  signEd25519,
  issueCredential,
  publicKeyFromSeed,
  signRenewPop,
  toBase64,
  toVerifierBundle,
  type VerifierBundle,
} from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { RENEW_TS_WINDOW_S, checkRenewRequest, type RenewFields } from './renew-check.js';

const NOW_S = 1_900_000_000;
const seed = (n: number) => new Uint8Array(32).fill(n);
const ROOT = seed(1);
const NODE = seed(2);
const NEXT = seed(3);
const REGION = seed(4);

function bundleFor(domain: string, keys: Record<string, Uint8Array>): VerifierBundle {
  const [first, ...rest] = Object.entries(keys);
  const created = createTrustBundle(
    {
      trustDomain: domain,
      refreshHintS: 60,
      issuerId: first![0],
      publicKey: publicKeyFromSeed(first![1]),
    },
    0,
  );
  if (!created.ok) throw new Error('bundle');
  const verifier = toVerifierBundle(created.value);
  const map = new Map(verifier.keys);
  for (const [id, s] of rest) map.set(id, publicKeyFromSeed(s));
  return { trustDomain: domain, keys: map };
}
const BUNDLE = bundleFor('fleet.test', { root: ROOT });

function issue(
  over: {
    issuerSeed?: Uint8Array;
    issuerId?: string;
    domain?: string;
    subject?: string;
    key?: Uint8Array;
    nowS?: number;
    ttlS?: number;
  } = {},
) {
  const r = issueCredential({
    issuerSeed: over.issuerSeed ?? ROOT,
    issuerId: over.issuerId ?? 'root',
    trustDomain: over.domain ?? 'fleet.test',
    subjectAgentId: over.subject ?? 'region/nyc/node-1',
    subjectPubkey: over.key ?? publicKeyFromSeed(NODE),
    nowS: over.nowS ?? NOW_S - 100,
    ttlS: over.ttlS ?? 3600,
  });
  if (!r.ok) throw new Error('issue');
  return r.value;
}

function request(over: Partial<RenewFields> & { signer?: Uint8Array } = {}): RenewFields {
  const credential = over.credential ?? issue().header;
  const base = {
    credential,
    nonce: over.nonce ?? 'nonce-0123456789abcdef',
    ts: over.ts ?? NOW_S,
    ...(over.chain === undefined ? {} : { chain: over.chain }),
    ...(over.new_public_key === undefined ? {} : { new_public_key: over.new_public_key }),
  };
  const pop =
    over.pop ??
    signRenewPop(over.signer ?? NODE, {
      credential,
      newPublicKey: over.new_public_key ?? '',
      nonce: base.nonce,
      ts: base.ts,
    });
  return { ...base, pop };
}

describe('checkRenewRequest', () => {
  it('accepts a fresh, verified, possessed credential and keeps its key', () => {
    const cred = issue();
    const r = checkRenewRequest(request({ credential: cred.header }), BUNDLE, NOW_S);
    expect(r).toMatchObject({ kind: 'checked', presentedId: cred.credentialId, keyRotated: false });
    if (r.kind !== 'checked') return;
    expect(r.nextPublicKey).toEqual(publicKeyFromSeed(NODE));
    expect(r.claims.subject_agent_id).toBe('region/nyc/node-1');
  });

  it('rotates to new_public_key when given (signed by the current key)', () => {
    const newKey = toBase64(publicKeyFromSeed(NEXT));
    const r = checkRenewRequest(request({ new_public_key: newKey }), BUNDLE, NOW_S);
    expect(r).toMatchObject({ kind: 'checked', keyRotated: true });
    if (r.kind === 'checked') expect(r.nextPublicKey).toEqual(publicKeyFromSeed(NEXT));
  });

  it.each([
    ['ts too old', { ts: NOW_S - RENEW_TS_WINDOW_S - 1 }, 'renew_ts_out_of_window'],
    ['ts too far ahead', { ts: NOW_S + RENEW_TS_WINDOW_S + 1 }, 'renew_ts_out_of_window'],
    ['garbled credential', { credential: 'v1=AAAA' }, 'credential_malformed'],
    ['unsupported version', { credential: 'v2=AAAA' }, 'credential_unsupported_version'],
    ['garbled chain', { chain: 'v1=AAAA' }, 'credential_malformed'],
    ['forged pop (wrong key)', { signer: NEXT }, 'renew_pop_bad_signature'],
    ['pop not ed25519', { pop: 'rsa=AAAA' }, 'x_memory_sig_unknown_algorithm'],
  ])('refuses %s', (_name, over, reason) => {
    expect(checkRenewRequest(request(over), BUNDLE, NOW_S)).toMatchObject({
      kind: 'deny',
      code: 'UNAUTHENTICATED',
      reason,
    });
  });

  it('accepts ts exactly at the window edges', () => {
    for (const ts of [NOW_S - RENEW_TS_WINDOW_S, NOW_S + RENEW_TS_WINDOW_S]) {
      expect(checkRenewRequest(request({ ts }), BUNDLE, NOW_S).kind).toBe('checked');
    }
  });

  it('refuses an expired credential (it must re-attest)', () => {
    const cred = issue({ nowS: NOW_S - 4000, ttlS: 3600 });
    expect(checkRenewRequest(request({ credential: cred.header }), BUNDLE, NOW_S)).toMatchObject({
      reason: 'credential_expired',
    });
  });

  it('refuses a credential from another trust domain', () => {
    const cred = issue({ domain: 'other.fleet' });
    expect(checkRenewRequest(request({ credential: cred.header }), BUNDLE, NOW_S)).toMatchObject({
      reason: 'credential_wrong_trust_domain',
    });
  });

  it('refuses a credential of an unknown issuer', () => {
    const cred = issue({ issuerSeed: seed(9), issuerId: 'stranger' });
    expect(checkRenewRequest(request({ credential: cred.header }), BUNDLE, NOW_S)).toMatchObject({
      reason: 'credential_unknown_issuer',
    });
  });

  it('refuses a pop over a different new key than the one sent', () => {
    const fields = request({ new_public_key: toBase64(publicKeyFromSeed(NEXT)) });
    const tampered = { ...fields, new_public_key: toBase64(publicKeyFromSeed(seed(5))) };
    expect(checkRenewRequest(tampered, BUNDLE, NOW_S)).toMatchObject({
      reason: 'renew_pop_bad_signature',
    });
  });

  it('refuses a credential whose subject key is not a curve point (no proof can verify)', () => {
    const bad = new Uint8Array(32);
    bad[0] = 2;
    const claims = encodeClaims({
      cred_version: 1,
      issuer_id: 'root',
      not_after: NOW_S + 100,
      not_before: NOW_S - 100,
      subject_agent_id: 'node-1',
      subject_pubkey: bad,
      trust_domain: 'fleet.test',
    });
    const header = formatCredentialHeader(encodeEnvelope(claims, signEd25519(ROOT, claims)));
    expect(
      checkRenewRequest(
        request({ credential: header, pop: `ed25519=${toBase64(new Uint8Array(64))}` }),
        BUNDLE,
        NOW_S,
      ),
    ).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'renew_pop_bad_signature' });
  });

  it('passes a new key on unchecked for curve membership (issueCredential checks it once)', () => {
    const bad = new Uint8Array(32);
    bad[0] = 2;
    const r = checkRenewRequest(request({ new_public_key: toBase64(bad) }), BUNDLE, NOW_S);
    expect(r).toMatchObject({ kind: 'checked', keyRotated: true });
  });

  it('verifies a leaf with its region chain and refuses one out of the namespace', () => {
    const inter = issue({ subject: 'region/nyc/ca', key: publicKeyFromSeed(REGION), ttlS: 86400 });
    const chain = encodeChain([inter.envelope]);
    const leaf = issue({ issuerSeed: REGION, issuerId: 'region/nyc/ca' });
    const ok = checkRenewRequest(request({ credential: leaf.header, chain }), BUNDLE, NOW_S);
    expect(ok).toMatchObject({ kind: 'checked', presentedId: credentialId(leaf.envelope) });
    const outside = issue({
      issuerSeed: REGION,
      issuerId: 'region/nyc/ca',
      subject: 'region/sfo/x',
    });
    expect(
      checkRenewRequest(request({ credential: outside.header, chain }), BUNDLE, NOW_S),
    ).toMatchObject({ reason: 'chain_delegation_out_of_namespace' });
  });

  it('fuzz: arbitrary field strings never throw and never pass', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.option(fc.string(), { nil: undefined }),
        fc.string(),
        fc.string(),
        (credential, chain, nonce, pop) => {
          const r = checkRenewRequest({ credential, chain, nonce, ts: NOW_S, pop }, BUNDLE, NOW_S);
          expect(r.kind).toBe('deny');
        },
      ),
    );
  });
});

describe('checkRenewRequest: a leaf this process signed (signedHere)', () => {
  it('skips only the signature: the credential is accepted with the same result', () => {
    const cred = issue();
    const seen: string[] = [];
    const r = checkRenewRequest(request({ credential: cred.header }), BUNDLE, NOW_S, {
      signedHere: (id) => {
        seen.push(id);
        return true;
      },
    });
    expect(seen).toEqual([cred.credentialId]);
    expect(r).toEqual(checkRenewRequest(request({ credential: cred.header }), BUNDLE, NOW_S));
  });

  it('a credential signed by an unknown key is accepted only when signedHere vouches for it', () => {
    const foreign = issue({ issuerSeed: NEXT });
    expect(checkRenewRequest(request({ credential: foreign.header }), BUNDLE, NOW_S)).toMatchObject(
      {
        reason: 'credential_bad_signature',
      },
    );
    expect(
      checkRenewRequest(request({ credential: foreign.header }), BUNDLE, NOW_S, {
        signedHere: (id) => id === issue().credentialId,
      }),
    ).toMatchObject({ reason: 'credential_bad_signature' });
  });

  it.each([
    ['expired', { nowS: NOW_S - 4000, ttlS: 3600 }, 'credential_expired'],
    ['not yet valid', { nowS: NOW_S + 100 }, 'credential_not_yet_valid'],
    ['another trust domain', { domain: 'fleet.other' }, 'credential_wrong_trust_domain'],
    [
      'an issuer no longer in the bundle',
      { issuerId: 'retired-root' },
      'credential_unknown_issuer',
    ],
  ])('still refuses a credential that is %s', (_name, over, reason) => {
    const cred = issue(over);
    expect(
      checkRenewRequest(request({ credential: cred.header }), BUNDLE, NOW_S, {
        signedHere: () => true,
      }),
    ).toMatchObject({ kind: 'deny', code: 'UNAUTHENTICATED', reason });
  });

  it('still checks the proof of possession', () => {
    expect(
      checkRenewRequest(request({ signer: NEXT }), BUNDLE, NOW_S, { signedHere: () => true }),
    ).toMatchObject({ reason: 'renew_pop_bad_signature' });
  });

  it('is not consulted for a leaf presented with a chain', () => {
    let asked = false;
    const r = checkRenewRequest(request({ chain: 'v1=AAAA' }), BUNDLE, NOW_S, {
      signedHere: () => {
        asked = true;
        return true;
      },
    });
    expect(r).toMatchObject({ reason: 'credential_malformed' });
    expect(asked).toBe(false);
  });
});
