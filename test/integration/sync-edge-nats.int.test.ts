import { headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/nats-core';
import { Svcm } from '@nats-io/services';
import { utf8, type SinceQuery, type SyncPushBody } from '@fedplane/core';
import {
  errorFromReply,
  seedCredentialSigner,
  signedHeaders,
  syncPushSubject,
  syncSinceSubject,
  type CredentialSigner,
} from '@fedplane/messaging';
import { connectNats, startNatsServer, type NatsServerHandle } from '@fedplane/testkit';
import type { Service } from '@nats-io/services';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSyncEndpoints } from '../../services/sync-gateway/src/adapters/nats-sync-endpoints.js';
import { createEdgeAuth } from '../../services/sync-gateway/src/shell/edge-auth.js';
import { createEdgeMetrics } from '../../services/sync-gateway/src/shell/edge-metrics.js';
import type { SyncEngine, SyncSender } from '../../services/sync-gateway/src/shell/ports.js';
import { aiMemory, testBundle, testCredential, testSeed } from './sync-client.js';

/**
 * `fed.sync.<node>.push|since` over a real nats-server through `@nats-io/services`, signed with
 * the bus headers (`Fed-Signature`, `Fed-Credential`) under the same posture rules as HTTP. The
 * engine is a recorder: these tests are about what reaches it.
 */

const NODE = 'region/nyc/gw-1';
const PEER = 'region/nyc/node-1';
const MAX_BODY = 32 * 1024;
const silent = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

const pushes: { body: SyncPushBody; sender: SyncSender }[] = [];
const reads: { query: SinceQuery; sender: SyncSender | undefined }[] = [];
const engine: SyncEngine = {
  push(body, sender) {
    pushes.push({ body, sender });
    return Promise.resolve({
      kind: 'quorum_not_met',
      body: { error: 'quorum_not_met', needed: 2, got: 1, reason: 'unreachable' },
    });
  },
  since(query, sender) {
    reads.push({ query, sender });
    return Promise.resolve({
      count: 0,
      limit: query.limit,
      updated_since: null,
      earliest_updated_at: null,
      latest_updated_at: null,
      memories: [],
      excluded_for_scope: 0,
      excluded_for_scope_private: 0,
      scope_status: 'no_allowlist_default_deny',
      next_cursor: null,
    });
  },
};

const posture = { strict: true };
const metrics = createEdgeMetrics();
let server: NatsServerHandle;
let nc: NatsConnection;
let service: Service;
let peer: CredentialSigner;

beforeAll(async () => {
  server = await startNatsServer({ useNatsUrl: false });
  nc = await connectNats(server.url);
  const auth = createEdgeAuth({
    posture: () => posture.strict,
    bundle: testBundle,
    clock: { nowMs: () => Date.now() },
    log: silent,
    metrics,
  });
  service = await startSyncEndpoints(nc, {
    nodeId: NODE,
    engine,
    auth,
    log: silent,
    maxBodyBytes: MAX_BODY,
  });
  const credential = testCredential(PEER, testSeed(7));
  peer = seedCredentialSigner({ agentId: PEER, seed: testSeed(7), credential: () => credential });
});

afterAll(async () => {
  await service?.stop();
  await nc?.close();
  await server?.stop();
});

beforeEach(() => {
  posture.strict = true;
  pushes.length = 0;
  reads.length = 0;
});

type Reply = { ok: true; body: unknown } | { ok: false; code: string; details: unknown };

async function send(subject: string, bytes: Uint8Array, signer?: CredentialSigner): Promise<Reply> {
  const h = signer === undefined ? natsHeaders() : signedHeaders(signer, bytes);
  const msg: Msg = await nc.request(subject, bytes, { headers: h, timeout: 5_000 });
  const error = errorFromReply(msg);
  if (error !== undefined) return { ok: false, code: error.code, details: error.details };
  return { ok: true, body: JSON.parse(new TextDecoder().decode(msg.data)) };
}

function pushBytes(overrides: Record<string, unknown> = {}): Uint8Array {
  return utf8(
    JSON.stringify({
      sender_agent_id: PEER,
      sender_wall_clock: new Date().toISOString(),
      memories: [aiMemory(`m-${Math.random().toString(36).slice(2)}`)],
      ...overrides,
    }),
  );
}

describe('fed.sync.<node>.push', () => {
  it('accepts a signed push and replies with the engine outcome', async () => {
    const reply = await send(syncPushSubject(NODE), pushBytes(), peer);
    expect(reply).toEqual({
      ok: true,
      body: { error: 'quorum_not_met', needed: 2, got: 1, reason: 'unreachable' },
    });
    expect(pushes[0]?.sender).toEqual({ peerId: PEER, verified: true });
  });

  it('refuses, under strict posture, unsigned, forged, replayed and stale pushes', async () => {
    const forger = seedCredentialSigner({
      agentId: PEER,
      seed: testSeed(8),
      credential: () => peer.credential(),
    });
    const replayed = pushBytes();
    expect((await send(syncPushSubject(NODE), replayed, peer)).ok).toBe(true);
    const stale = pushBytes({ sender_wall_clock: new Date(Date.now() - 6 * 60_000).toISOString() });
    const cases: [Uint8Array, CredentialSigner | undefined, string][] = [
      [pushBytes(), undefined, 'peer_not_enrolled'],
      [pushBytes(), forger, 'x_memory_sig_bad_signature'],
      [replayed, peer, 'x_memory_nonce_replay'],
      [stale, peer, 'x_memory_clock_skew'],
    ];
    for (const [bytes, signer, reason] of cases) {
      const reply = await send(syncPushSubject(NODE), bytes, signer);
      expect(reply).toMatchObject({ ok: false, code: 'UNAUTHENTICATED', details: { reason } });
    }
    expect(pushes).toHaveLength(1);
  });

  it('refuses a body claiming another sender with FORBIDDEN', async () => {
    const reply = await send(
      syncPushSubject(NODE),
      pushBytes({ sender_agent_id: 'region/x/y' }),
      peer,
    );
    expect(reply).toMatchObject({
      ok: false,
      code: 'FORBIDDEN',
      details: { reason: 'sender_agent_id_mismatch', claimed: 'region/x/y', peer_header: PEER },
    });
  });

  it('accepts the same requests unverified under permissive posture', async () => {
    posture.strict = false;
    const bytes = pushBytes();
    expect((await send(syncPushSubject(NODE), bytes)).ok).toBe(true);
    expect((await send(syncPushSubject(NODE), bytes, peer)).ok).toBe(true);
    expect((await send(syncPushSubject(NODE), bytes, peer)).ok).toBe(true);
    expect(pushes.map((p) => p.sender)).toEqual([
      { peerId: PEER, verified: false },
      { peerId: PEER, verified: true },
      { peerId: PEER, verified: false },
    ]);
    expect(metrics.counts().requests['transport=nats,route=push,outcome=unverified']).toBe(2);
  });

  it('lists schema issues after authentication, and refuses a body over the limit', async () => {
    const bad = await send(syncPushSubject(NODE), pushBytes({ memories: 'none' }), peer);
    expect(bad).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    const unauthenticatedBad = await send(syncPushSubject(NODE), pushBytes({ memories: 'none' }));
    expect(unauthenticatedBad).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    const big = pushBytes({ padding: 'x'.repeat(MAX_BODY) });
    expect(await send(syncPushSubject(NODE), big, peer)).toMatchObject({
      ok: false,
      code: 'TOO_LARGE',
    });
    expect(pushes).toHaveLength(0);
  });
});

describe('fed.sync.<node>.since', () => {
  it('serves a signed read, as often as asked (no replay gate on reads)', async () => {
    const bytes = utf8(JSON.stringify({ limit: 10 }));
    expect(await send(syncSinceSubject(NODE), bytes, peer)).toMatchObject({
      ok: true,
      body: { limit: 10 },
    });
    expect((await send(syncSinceSubject(NODE), bytes, peer)).ok).toBe(true);
    expect(reads.map((r) => r.sender)).toEqual([
      { peerId: PEER, verified: true },
      { peerId: PEER, verified: true },
    ]);
  });

  it('refuses an unsigned read under strict posture and passes the claimed peer when permissive', async () => {
    const bytes = utf8(JSON.stringify({ peer: PEER }));
    expect(await send(syncSinceSubject(NODE), bytes)).toMatchObject({
      ok: false,
      details: { reason: 'peer_not_enrolled' },
    });
    posture.strict = false;
    expect((await send(syncSinceSubject(NODE), bytes)).ok).toBe(true);
    expect(reads[0]?.sender).toEqual({ peerId: PEER, verified: false });
  });

  it('is discoverable as the sync-gateway service', async () => {
    const client = new Svcm(nc).client();
    const infos = await client.info('sync-gateway');
    const mine = [];
    for await (const info of infos) mine.push(info);
    expect(mine.some((i) => i.metadata?.['node_id'] === NODE)).toBe(true);
    const subjects = mine.flatMap((i) => i.endpoints.map((e) => e.subject));
    expect(subjects).toEqual(
      expect.arrayContaining([syncPushSubject(NODE), syncSinceSubject(NODE)]),
    );
  });
});
