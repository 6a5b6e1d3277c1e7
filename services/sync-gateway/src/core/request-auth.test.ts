import {
  CRED_VERSION,
  NONCE_WINDOW_MS,
  encodeChain,
  encodeClaims,
  encodeEnvelope,
  formatCredentialHeader,
  signEd25519,
  getSignedBytes,
  issueCredential,
  publicKeyFromSeed,
  pushSignedBytes,
  signMessage,
  utf8,
  type VerifierBundle,
} from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import {
  decideRequestAuth,
  normalizePeerId,
  type AuthHeaders,
  type RequestAuthInput,
  type SignedTarget,
} from './request-auth.js';

const DOMAIN = 'fleet.example';
const ROOT = new Uint8Array(32).fill(1);
const OTHER_ROOT = new Uint8Array(32).fill(2);
const CA = new Uint8Array(32).fill(3);
const NODE = new Uint8Array(32).fill(7);
const OTHER_NODE = new Uint8Array(32).fill(8);
const PEER = 'region/nyc/node-1';
const NOW_MS = 1_900_000_000_000;
const NOW_S = NOW_MS / 1000;
const NONCE = '9fc021b2-1030-4295-bb19-582ce92ddd47';

const bundle: VerifierBundle = {
  trustDomain: DOMAIN,
  keys: new Map([['root', publicKeyFromSeed(ROOT)]]),
};

type MintOptions = {
  readonly by?: readonly [Uint8Array, string];
  readonly subject?: string;
  readonly key?: Uint8Array;
  readonly nowS?: number;
  readonly ttlS?: number;
  readonly domain?: string;
};

function mint(options: MintOptions = {}) {
  const [issuerSeed, issuerId] = options.by ?? [ROOT, 'root'];
  const result = issueCredential({
    issuerSeed,
    issuerId,
    trustDomain: options.domain ?? DOMAIN,
    subjectAgentId: options.subject ?? PEER,
    subjectPubkey: publicKeyFromSeed(options.key ?? NODE),
    nowS: options.nowS ?? NOW_S,
    ttlS: options.ttlS ?? 3600,
  });
  if (!result.ok) throw new Error(result.error.tag);
  return result.value;
}

const leaf = mint().header;
const BODY = utf8(
  JSON.stringify({ sender_agent_id: PEER, sender_wall_clock: '2030-03-17T17:46:40.000Z' }),
);
const push = (wallClockMs: number | null = NOW_MS): SignedTarget => ({
  kind: 'push',
  body: BODY,
  senderWallClockMs: wallClockMs,
});

/** A fully valid, strict, signed push with a fresh nonce; override what a case changes. */
function input(overrides: Partial<RequestAuthInput> = {}, headers: AuthHeaders = {}) {
  const base: AuthHeaders = {
    peerId: PEER,
    credential: leaf,
    signature: signMessage(NODE, pushSignedBytes(BODY, NONCE)),
    nonce: NONCE,
  };
  return {
    headers: { ...base, ...headers },
    target: push(),
    requireSig: true,
    bundle,
    nowMs: NOW_MS,
    nonceSeen: false,
    ...overrides,
  } satisfies RequestAuthInput;
}

function refusal(req: RequestAuthInput) {
  const decision = decideRequestAuth(req);
  expect(decision.outcome).toBe('refuse');
  return decision.problem;
}

describe('normalizePeerId', () => {
  it('keeps a valid agent id and drops invalid or reserved ones', () => {
    expect(normalizePeerId(PEER)).toBe(PEER);
    expect(normalizePeerId(undefined)).toBeUndefined();
    expect(normalizePeerId('')).toBeUndefined();
    expect(normalizePeerId('a b')).toBeUndefined();
    expect(normalizePeerId('evil\r\nx-injected: 1')).toBeUndefined();
    expect(normalizePeerId('/leading')).toBeUndefined();
    expect(normalizePeerId('a/../b')).toBeUndefined();
    expect(normalizePeerId('x'.repeat(129))).toBeUndefined();
    expect(normalizePeerId('daemon')).toBeUndefined();
    expect(normalizePeerId('federation-catchup')).toBeUndefined();
  });
});

describe('decideRequestAuth: strict posture, accepted', () => {
  it('accepts a credential-signed push with a fresh nonce and a current wall clock', () => {
    const decision = decideRequestAuth(input());
    expect(decision).toEqual({
      outcome: 'accept',
      peerId: PEER,
      presence: 'signed',
      credential: 'ok',
      rememberNonce: NONCE,
      verified: true,
      problem: undefined,
      timeBounded: true,
    });
  });

  it('accepts a push without a wall clock, bounded by the nonce cache only', () => {
    const decision = decideRequestAuth(input({ target: push(null) }));
    expect(decision).toMatchObject({ outcome: 'accept', verified: true, timeBounded: false });
  });

  it('accepts a wall clock exactly at the window edge, either side', () => {
    for (const offset of [NONCE_WINDOW_MS, -NONCE_WINDOW_MS]) {
      const decision = decideRequestAuth(input({ target: push(NOW_MS + offset) }));
      expect(decision).toMatchObject({ outcome: 'accept', verified: true });
    }
  });

  it('accepts a credential issued through a region intermediate', () => {
    const ca = mint({ subject: 'region/nyc/ca', key: CA });
    const chained = mint({ by: [CA, 'region/nyc/ca'] });
    const decision = decideRequestAuth(
      input({}, { credential: chained.header, chain: encodeChain([ca.envelope]) }),
    );
    expect(decision).toMatchObject({ outcome: 'accept', verified: true, credential: 'ok' });
  });

  it('accepts a signed GET over the canonical bytes with its nonce', () => {
    const path = '/api/v1/sync/since';
    const rawQuery = 'since=2026-01-01T00%3A00%3A00Z&limit=500&peer=region%2Fnyc%2Fnode-1';
    const decision = decideRequestAuth(
      input(
        { target: { kind: 'get', path, rawQuery } },
        { signature: signMessage(NODE, getSignedBytes(path, rawQuery, NONCE)) },
      ),
    );
    expect(decision).toMatchObject({
      outcome: 'accept',
      verified: true,
      rememberNonce: NONCE,
      timeBounded: false,
    });
  });

  it('accepts a bus message signed over its body alone, the nonce being only a replay key', () => {
    const decision = decideRequestAuth(
      input(
        { target: { kind: 'message', body: BODY, senderWallClockMs: NOW_MS } },
        { signature: signMessage(NODE, BODY), nonce: 'sig:token' },
      ),
    );
    expect(decision).toMatchObject({
      outcome: 'accept',
      verified: true,
      rememberNonce: 'sig:token',
    });
  });

  it('accepts a nonce-less request with a current clock when nonces are not required', () => {
    const decision = decideRequestAuth(
      input({ requireNonce: false }, { nonce: undefined, signature: signMessage(NODE, BODY) }),
    );
    expect(decision).toMatchObject({
      outcome: 'accept',
      verified: true,
      rememberNonce: undefined,
      timeBounded: true,
    });
  });

  it('ignores a chain header sent without a credential', () => {
    expect(refusal(input({}, { credential: undefined, chain: encodeChain([]) }))).toEqual({
      tag: 'x_memory_sig_no_enrolled_key',
    });
  });
});

describe('decideRequestAuth: strict posture, refused with the reference tag', () => {
  it('refuses an unsigned request from a peer without a credential: peer_not_enrolled', () => {
    const decision = decideRequestAuth(
      input({}, { credential: undefined, signature: undefined, nonce: undefined }),
    );
    expect(decision).toEqual({
      outcome: 'refuse',
      peerId: PEER,
      presence: 'unsigned',
      credential: 'skipped',
      rememberNonce: undefined,
      problem: { tag: 'peer_not_enrolled' },
    });
  });

  it('refuses a signature without a credential: x_memory_sig_no_enrolled_key', () => {
    expect(refusal(input({}, { credential: undefined }))).toEqual({
      tag: 'x_memory_sig_no_enrolled_key',
    });
  });

  it('has no key to check anything with while no trust bundle is known', () => {
    for (const b of [undefined, { trustDomain: '', keys: new Map() }]) {
      const decision = decideRequestAuth(input({ bundle: b }));
      expect(decision).toMatchObject({
        outcome: 'refuse',
        credential: 'skipped',
        presence: 'signed',
        problem: { tag: 'x_memory_sig_no_enrolled_key' },
      });
      expect(refusal(input({ bundle: b }, { signature: undefined }))).toEqual({
        tag: 'peer_not_enrolled',
      });
    }
  });

  it('refuses a credential without a signature: x_memory_sig_missing', () => {
    const decision = decideRequestAuth(input({}, { signature: undefined }));
    expect(decision).toMatchObject({
      outcome: 'refuse',
      credential: 'ok',
      problem: { tag: 'x_memory_sig_missing' },
    });
  });

  it('refuses a push signed by another key than the credential subject', () => {
    const forged = signMessage(OTHER_NODE, pushSignedBytes(BODY, NONCE));
    expect(refusal(input({}, { signature: forged }))).toEqual({
      tag: 'x_memory_sig_bad_signature',
    });
  });

  it('refuses a tampered body, a nonce-bound signature without its nonce and the reverse', () => {
    const tampered = { kind: 'push', body: utf8('{"x":1}'), senderWallClockMs: NOW_MS } as const;
    expect(refusal(input({ target: tampered }))).toEqual({ tag: 'x_memory_sig_bad_signature' });
    expect(refusal(input({ requireNonce: false }, { nonce: undefined }))).toEqual({
      tag: 'x_memory_sig_bad_signature',
    });
    expect(refusal(input({}, { signature: signMessage(NODE, BODY) }))).toEqual({
      tag: 'x_memory_sig_bad_signature',
    });
    expect(refusal(input({}, { nonce: 'other-nonce' }))).toEqual({
      tag: 'x_memory_sig_bad_signature',
    });
  });

  it('refuses an unknown algorithm and a malformed signature', () => {
    const good = signMessage(NODE, pushSignedBytes(BODY, NONCE));
    expect(refusal(input({}, { signature: good.replace('ed25519=', 'rsa=') }))).toEqual({
      tag: 'x_memory_sig_unknown_algorithm',
    });
    expect(refusal(input({}, { signature: 'ed25519=%%%' }))).toEqual({
      tag: 'x_memory_sig_malformed',
    });
    expect(refusal(input({}, { signature: 'ed25519=' + 'A'.repeat(43) + '=' }))).toEqual({
      tag: 'x_memory_sig_malformed',
    });
  });

  it('tolerates trailing parameters and spaces around the signature', () => {
    const good = signMessage(NODE, pushSignedBytes(BODY, NONCE));
    const decision = decideRequestAuth(input({}, { signature: `  ${good} ; key=value` }));
    expect(decision).toMatchObject({ outcome: 'accept', verified: true });
  });

  it('refuses a credential for another identity than x-peer-id', () => {
    const decision = decideRequestAuth(input({}, { peerId: 'region/nyc/node-2' }));
    expect(decision).toMatchObject({
      outcome: 'refuse',
      peerId: 'region/nyc/node-2',
      credential: 'fail',
      problem: {
        tag: 'credential_identity_mismatch',
        details: { expected: 'region/nyc/node-2', actual: PEER },
      },
    });
  });

  it('treats a missing, invalid or reserved x-peer-id as absent: the binding fails', () => {
    for (const peerId of [undefined, 'bad id', 'daemon']) {
      const decision = decideRequestAuth(input({}, { peerId }));
      expect(decision).toMatchObject({
        outcome: 'refuse',
        peerId: undefined,
        problem: { tag: 'credential_identity_mismatch', details: { expected: '', actual: PEER } },
      });
    }
  });

  it('refuses credentials that do not verify, with their own tags', () => {
    const cases: [AuthHeaders, unknown][] = [
      [{ credential: 'garbage' }, { tag: 'credential_malformed' }],
      [
        { credential: 'v9=AAAA' },
        { tag: 'credential_unsupported_version', details: { version: 9 } },
      ],
      [{ credential: mint({ nowS: NOW_S - 7200 }).header }, { tag: 'credential_expired' }],
      [{ credential: mint({ nowS: NOW_S + 600 }).header }, { tag: 'credential_not_yet_valid' }],
      [
        { credential: mint({ by: [OTHER_ROOT, 'rogue'] }).header },
        { tag: 'credential_unknown_issuer' },
      ],
      [
        { credential: mint({ by: [OTHER_ROOT, 'root'] }).header },
        { tag: 'credential_bad_signature' },
      ],
      [
        { credential: mint({ domain: 'other.tenant' }).header },
        { tag: 'credential_wrong_trust_domain' },
      ],
      [{ chain: 'garbage' }, { tag: 'credential_malformed' }],
    ];
    for (const [headers, problem] of cases) {
      const decision = decideRequestAuth(input({}, headers));
      expect(decision).toMatchObject({ outcome: 'refuse', credential: 'fail', problem });
    }
  });

  it('refuses chains that do not verify, with the chain tags and details', () => {
    const ca = mint({ subject: 'region/nyc/ca', key: CA });
    const chain = encodeChain([ca.envelope]);
    const outside = mint({ by: [CA, 'region/nyc/ca'], subject: 'region/sfo/node-1' });
    expect(
      refusal(input({}, { peerId: 'region/sfo/node-1', credential: outside.header, chain })),
    ).toEqual({
      tag: 'chain_delegation_out_of_namespace',
      details: { subject: 'region/sfo/node-1', delegated_namespace: 'region/nyc' },
    });
    const expiredCa = mint({ subject: 'region/nyc/ca', key: CA, nowS: NOW_S - 7200 });
    expect(
      refusal(
        input(
          {},
          {
            credential: mint({ by: [CA, 'region/nyc/ca'] }).header,
            chain: encodeChain([expiredCa.envelope]),
          },
        ),
      ),
    ).toEqual({ tag: 'credential_expired', details: { link: true } });
    const deep = encodeChain([ca.envelope, ca.envelope]);
    expect(
      refusal(input({}, { credential: mint({ by: [CA, 'region/nyc/ca'] }).header, chain: deep })),
    ).toEqual({ tag: 'chain_too_deep', details: { depth: 3, max: 2 } });
    expect(
      refusal(input({}, { credential: mint({ by: [CA, 'region/sfo/ca'] }).header, chain })),
    ).toMatchObject({ tag: 'chain_name_mismatch' });
  });

  it('refuses a chain changing trust domain and a leaf whose subject key is not a point', () => {
    const ca = mint({ subject: 'region/nyc/ca', key: CA });
    const otherDomain = mint({ by: [CA, 'region/nyc/ca'], domain: 'other.tenant' });
    expect(
      refusal(input({}, { credential: otherDomain.header, chain: encodeChain([ca.envelope]) })),
    ).toMatchObject({ tag: 'chain_domain_mismatch' });
    const claimBytes = encodeClaims({
      cred_version: CRED_VERSION,
      issuer_id: 'root',
      not_after: NOW_S + 3600,
      not_before: NOW_S - 30,
      subject_agent_id: PEER,
      subject_pubkey: new Uint8Array(32).fill(0xff),
      trust_domain: DOMAIN,
    });
    const envelope = encodeEnvelope(claimBytes, signEd25519(ROOT, claimBytes));
    expect(refusal(input({}, { credential: formatCredentialHeader(envelope) }))).toEqual({
      tag: 'credential_bad_subject_key',
    });
  });

  it('refuses a replayed nonce and does not remember it again', () => {
    const decision = decideRequestAuth(input({ nonceSeen: true }));
    expect(decision).toMatchObject({
      outcome: 'refuse',
      rememberNonce: undefined,
      problem: { tag: 'x_memory_nonce_replay' },
    });
  });

  it('refuses a missing or empty nonce', () => {
    expect(refusal(input({}, { nonce: undefined, signature: signMessage(NODE, BODY) }))).toEqual({
      tag: 'x_memory_nonce_missing',
    });
    expect(
      refusal(input({}, { nonce: '', signature: signMessage(NODE, pushSignedBytes(BODY, '')) })),
    ).toEqual({ tag: 'x_memory_nonce_missing' });
  });

  it('refuses a stale nonce-less request (missing nonce) and, nonces optional, as clock skew', () => {
    const stale = push(NOW_MS - NONCE_WINDOW_MS - 1);
    const unsignedNonce = { nonce: undefined, signature: signMessage(NODE, BODY) };
    expect(refusal(input({ target: stale }, unsignedNonce))).toEqual({
      tag: 'x_memory_nonce_missing',
    });
    expect(refusal(input({ target: stale, requireNonce: false }, unsignedNonce))).toEqual({
      tag: 'x_memory_clock_skew',
    });
  });

  it('refuses a wall clock off by more than the window, remembering the fresh nonce', () => {
    for (const target of [
      push(NOW_MS - NONCE_WINDOW_MS - 1),
      push(NOW_MS + NONCE_WINDOW_MS + 1),
      push(Number.NaN),
    ]) {
      const decision = decideRequestAuth(input({ target }));
      expect(decision).toMatchObject({
        outcome: 'refuse',
        rememberNonce: NONCE,
        problem: { tag: 'x_memory_clock_skew' },
      });
    }
  });

  it('honours a configured window', () => {
    const target = push(NOW_MS - 2_000);
    expect(refusal(input({ target, windowMs: 1_000 }))).toEqual({ tag: 'x_memory_clock_skew' });
    expect(decideRequestAuth(input({ target, windowMs: 5_000 })).outcome).toBe('accept');
  });

  it('refuses a GET whose query was changed after signing', () => {
    const path = '/api/v1/sync/since';
    const signature = signMessage(NODE, getSignedBytes(path, 'limit=10', NONCE));
    expect(
      refusal(input({ target: { kind: 'get', path, rawQuery: 'limit=11' } }, { signature })),
    ).toEqual({ tag: 'x_memory_sig_bad_signature' });
    expect(
      refusal(
        input({ target: { kind: 'get', path: '/other', rawQuery: 'limit=10' } }, { signature }),
      ),
    ).toEqual({ tag: 'x_memory_sig_bad_signature' });
  });
});

describe('decideRequestAuth: permissive posture', () => {
  const failing: [string, Partial<RequestAuthInput>, AuthHeaders, string][] = [
    [
      'unsigned',
      {},
      { credential: undefined, signature: undefined, nonce: undefined },
      'peer_not_enrolled',
    ],
    ['no credential', {}, { credential: undefined }, 'x_memory_sig_no_enrolled_key'],
    ['no signature', {}, { signature: undefined }, 'x_memory_sig_missing'],
    [
      'other key',
      {},
      { signature: signMessage(OTHER_NODE, pushSignedBytes(BODY, NONCE)) },
      'x_memory_sig_bad_signature',
    ],
    ['other identity', {}, { peerId: 'region/nyc/node-2' }, 'credential_identity_mismatch'],
    ['replay', { nonceSeen: true }, {}, 'x_memory_nonce_replay'],
    [
      'stale nonce-less',
      { target: push(NOW_MS - NONCE_WINDOW_MS - 1) },
      { nonce: undefined, signature: signMessage(NODE, BODY) },
      'x_memory_nonce_missing',
    ],
    ['stale', { target: push(NOW_MS + NONCE_WINDOW_MS + 1) }, {}, 'x_memory_clock_skew'],
    ['expired', {}, { credential: mint({ nowS: NOW_S - 7200 }).header }, 'credential_expired'],
  ];

  it.each(failing)('accepts %s unverified, with the problem to count and log', (_, o, h, tag) => {
    const decision = decideRequestAuth(input({ ...o, requireSig: false }, h));
    expect(decision).toMatchObject({
      outcome: 'accept',
      verified: false,
      problem: { tag },
    });
  });

  it('still verifies what is sent: a valid request is verified', () => {
    expect(decideRequestAuth(input({ requireSig: false }))).toMatchObject({
      outcome: 'accept',
      verified: true,
      problem: undefined,
      rememberNonce: NONCE,
    });
  });

  it('remembers a nonce only after its signature verified', () => {
    const forged = signMessage(OTHER_NODE, pushSignedBytes(BODY, NONCE));
    expect(
      decideRequestAuth(input({ requireSig: false }, { signature: forged })).rememberNonce,
    ).toBeUndefined();
    expect(
      decideRequestAuth(input({ requireSig: false }, { credential: undefined })).rememberNonce,
    ).toBeUndefined();
  });

  it('reports presence and the credential result for the counters', () => {
    expect(
      decideRequestAuth(input({ requireSig: false }, { credential: undefined })),
    ).toMatchObject({ presence: 'unsigned', credential: 'skipped' });
    expect(
      decideRequestAuth(input({ requireSig: false }, { credential: 'garbage' })),
    ).toMatchObject({ presence: 'signed', credential: 'fail' });
  });
});
