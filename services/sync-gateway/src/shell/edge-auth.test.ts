import {
  issueCredential,
  publicKeyFromSeed,
  pushSignedBytes,
  signMessage,
  utf8,
  type VerifierBundle,
} from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { createEdgeAuth, requireSigOf, type EdgeAuthDeps } from './edge-auth.js';
import { createNonceCache } from './nonce-cache.js';

const ROOT = new Uint8Array(32).fill(1);
const NODE = new Uint8Array(32).fill(7);
const PEER = 'region/nyc/node-1';
const NOW_MS = 1_900_000_000_000;
const bundle: VerifierBundle = {
  trustDomain: 'fleet.example',
  keys: new Map([['root', publicKeyFromSeed(ROOT)]]),
};
const issued = issueCredential({
  issuerSeed: ROOT,
  issuerId: 'root',
  trustDomain: 'fleet.example',
  subjectAgentId: PEER,
  subjectPubkey: publicKeyFromSeed(NODE),
  nowS: NOW_MS / 1000,
  ttlS: 3600,
});
if (!issued.ok) throw new Error('issue');
const credential = issued.value.header;
const body = utf8('{"sender_agent_id":"region/nyc/node-1"}');

function recorder() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => {
    lines.push({ level, obj: obj as Record<string, unknown>, msg });
  };
  return {
    lines,
    log: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') },
  };
}

function setup(overrides: Partial<EdgeAuthDeps> = {}) {
  const rec = recorder();
  const clock = { now: NOW_MS, nowMs: () => clock.now };
  const state = { strict: true };
  const auth = createEdgeAuth({
    posture: () => state.strict,
    bundle: () => bundle,
    clock,
    log: rec.log,
    ...overrides,
  });
  return { auth, rec, clock, state };
}

function signedRequest(nonce: string, wallClockMs: number | null = NOW_MS) {
  return {
    transport: 'http' as const,
    route: 'push' as const,
    headers: {
      peerId: PEER,
      credential,
      signature: signMessage(NODE, pushSignedBytes(body, nonce)),
      nonce,
    },
    target: { kind: 'push' as const, body, senderWallClockMs: wallClockMs },
    requestId: 'r-1',
  };
}

describe('createEdgeAuth', () => {
  it('remembers an accepted nonce, refuses its replay, and forgets it after the TTL', () => {
    const { auth, clock } = setup({ nonces: createNonceCache({ ttlMs: 60_000 }) });
    expect(auth.authenticate(signedRequest('n-1')).outcome).toBe('accept');
    const replay = auth.authenticate(signedRequest('n-1'));
    expect(replay).toMatchObject({ outcome: 'refuse', problem: { tag: 'x_memory_nonce_replay' } });
    clock.now += 60_000;
    expect(auth.authenticate(signedRequest('n-1', clock.now)).outcome).toBe('accept');
  });

  it('counts presence, credential results and outcomes', () => {
    const { auth, state } = setup();
    auth.authenticate(signedRequest('a'));
    auth.authenticate({ ...signedRequest('b'), headers: { peerId: PEER } });
    state.strict = false;
    auth.authenticate({ ...signedRequest('c'), headers: { peerId: PEER, credential: 'garbage' } });
    expect(auth.metrics.counts()).toEqual({
      inboundCred: { signed: 2, unsigned: 1 },
      credVerify: { ok: 1, fail: 1 },
      requests: {
        'transport=http,route=push,outcome=verified': 1,
        'transport=http,route=push,outcome=refused': 1,
        'transport=http,route=push,outcome=unverified': 1,
      },
    });
  });

  it('logs a refusal and an unverified acceptance once each, with constant messages', () => {
    const { auth, rec, state } = setup();
    auth.authenticate(signedRequest('a'));
    auth.authenticate({ ...signedRequest('b'), headers: { peerId: PEER } });
    state.strict = false;
    const c = signedRequest('c');
    auth.authenticate({ ...c, headers: { ...c.headers, peerId: 'bad id' } });
    expect(rec.lines.map((l) => [l.level, l.msg, l.obj['reason'], l.obj['peer_id']])).toEqual([
      ['warn', 'sync request refused', 'peer_not_enrolled', PEER],
      ['info', 'sync request accepted unverified', 'credential_identity_mismatch', undefined],
    ]);
    expect(rec.lines[0]?.obj).toMatchObject({
      transport: 'http',
      route: 'push',
      request_id: 'r-1',
    });
  });

  it('lets a request override requireNonce (bus reads) and keys nonces by normalised peer id', () => {
    const { auth } = setup({ requireNonce: true });
    const nonceless = {
      ...signedRequest('x'),
      headers: { peerId: PEER, credential, signature: signMessage(NODE, body) },
    };
    expect(auth.authenticate(nonceless).outcome).toBe('refuse');
    expect(auth.authenticate({ ...nonceless, requireNonce: false }).outcome).toBe('accept');
    expect(auth.scopes().size).toBe(0);
  });
});

describe('requireSigOf', () => {
  it('is strict only when the held posture requires signatures', () => {
    const view = { posture: undefined as { require_sig: boolean } | undefined };
    const strict = requireSigOf({ current: () => view });
    expect(strict()).toBe(false);
    view.posture = { require_sig: true };
    expect(strict()).toBe(true);
    view.posture = { require_sig: false };
    expect(strict()).toBe(false);
  });
});
