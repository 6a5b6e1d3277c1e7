import { readFileSync } from 'node:fs';
import {
  AppError,
  ErrorCode,
  type CarriedRecord,
  type SinceQuery,
  type SyncPushBody,
} from '@fedplane/core';
import { parsePeerScopes } from '@fedplane/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSyncHttp } from '../../services/sync-gateway/src/adapters/http-server.js';
import { createEdgeAuth } from '../../services/sync-gateway/src/shell/edge-auth.js';
import { createEdgeMetrics } from '../../services/sync-gateway/src/shell/edge-metrics.js';
import type {
  PushOutcome,
  SyncEngine,
  SyncSender,
} from '../../services/sync-gateway/src/shell/ports.js';
import {
  aiMemory,
  createSyncClient,
  testBundle,
  testCredential,
  testIdentity,
  testSeed,
  type SyncClient,
} from './sync-client.js';

/**
 * The HTTP edge's own authentication and limit behaviour, over a real listening fastify server
 * and the ai-memory-shaped client, with a small in-test engine (an in-memory map) standing in
 * for the replica: what reaches the engine, and what never does. The same refusals against the
 * real gateway are in `sync-edge-e2e.int.test.ts`.
 */

type Mode = 'met' | 'not_met' | 'invalid' | 'unavailable' | 'bug';

function memoryEngine() {
  const records = new Map<string, CarriedRecord>();
  const pushes: { body: SyncPushBody; sender: SyncSender }[] = [];
  const reads: { query: SinceQuery; sender: SyncSender | undefined }[] = [];
  const state = { mode: 'met' as Mode };
  const engine: SyncEngine = {
    push(body, sender): Promise<PushOutcome> {
      pushes.push({ body, sender });
      if (state.mode === 'unavailable') {
        return Promise.reject(new AppError(ErrorCode.UNAVAILABLE, 'replica down'));
      }
      if (state.mode === 'bug') return Promise.reject(new Error('boom'));
      if (state.mode === 'invalid') {
        return Promise.resolve({
          kind: 'invalid',
          issues: [{ path: 'memories.0.title', message: 'blank' }],
        });
      }
      for (const memory of body.memories) records.set(memory.id, memory);
      if (state.mode === 'not_met') {
        return Promise.resolve({
          kind: 'quorum_not_met',
          body: { error: 'quorum_not_met', needed: 2, got: 1, reason: 'timeout' },
        });
      }
      return Promise.resolve({
        kind: 'quorum_met',
        report: {
          applied: body.memories.length,
          deleted: 0,
          archived: 0,
          restored: 0,
          links_applied: 0,
          pendings_applied: 0,
          pending_decisions_applied: 0,
          namespace_meta_applied: 0,
          namespace_meta_cleared: 0,
          noop: 0,
          skipped: 0,
          quota_refused: 0,
          dry_run: false,
          receiver_agent_id: 'region/nyc/gw',
          receiver_clock: {},
          quorum: { needed: 1, got: 1, acked_by: ['region/nyc/gw'] },
        },
      });
    },
    since(query, sender) {
      reads.push({ query, sender });
      const memories = [...records.values()].slice(0, query.limit);
      return Promise.resolve({
        count: memories.length,
        limit: query.limit,
        updated_since: query.since ?? null,
        earliest_updated_at: memories[0]?.updated_at ?? null,
        latest_updated_at: memories.at(-1)?.updated_at ?? null,
        memories,
        excluded_for_scope: 0,
        excluded_for_scope_private: 0,
        scope_status: 'scoped',
        next_cursor: null,
      });
    },
  };
  return { engine, records, pushes, reads, state };
}

const PEER = 'region/nyc/node-1';
const MAX_BODY = 64 * 1024;
const posture = { strict: true };
const scopes = { json: {} as unknown };
const metrics = createEdgeMetrics();
const mem = memoryEngine();
let app: ReturnType<typeof buildSyncHttp>;
let base: string;
let node: SyncClient;

beforeAll(async () => {
  const auth = createEdgeAuth({
    posture: () => posture.strict,
    bundle: testBundle,
    clock: { nowMs: () => Date.now() },
    log: {
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
      debug: () => undefined,
    },
    metrics,
    scopes: () => {
      const parsed = parsePeerScopes(scopes.json);
      if (!parsed.ok) throw new Error('scopes');
      return parsed.scopes;
    },
  });
  app = buildSyncHttp({
    engine: mem.engine,
    auth,
    log: {
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
      debug: () => undefined,
    },
    limits: { maxBodyBytes: MAX_BODY },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
  node = createSyncClient(base, testIdentity(PEER, 7));
});

afterAll(async () => {
  await app?.close();
});

beforeEach(() => {
  posture.strict = true;
  scopes.json = {};
  mem.state.mode = 'met';
  mem.pushes.length = 0;
  mem.reads.length = 0;
});

const stale = () => new Date(Date.now() - 6 * 60_000).toISOString();

describe('strict posture', () => {
  it('accepts a signed push and a signed since from the ai-memory client', async () => {
    const memory = aiMemory('m-001');
    const pushed = await node.push([memory]);
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({ applied: 1, quorum: { needed: 1, got: 1 } });
    expect(mem.pushes).toHaveLength(1);
    expect(mem.pushes[0]?.sender).toEqual({ peerId: PEER, verified: true });
    expect(mem.pushes[0]?.body.memories[0]).toEqual(memory);

    const page = await node.since({ since: '2020-01-01T00:00:00Z', limit: 10, peer: PEER });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ count: 1, limit: 10, next_cursor: null });
    expect(mem.reads[0]).toMatchObject({
      query: { since: '2020-01-01T00:00:00Z', limit: 10, peer: PEER },
      sender: { peerId: PEER, verified: true },
    });
  });

  it('accepts a credential chain-less push with Idempotency-Key and a wall clock in the window', async () => {
    const prepared = node.buildPush([aiMemory('m-002')]);
    expect(prepared.headers['idempotency-key']).toBe('m-002');
    expect((await node.send(prepared)).status).toBe(200);
  });

  const refusals: [string, () => Promise<{ status: number; body: unknown }>, string][] = [
    [
      'an unsigned push',
      () => node.push([aiMemory('u1')], { sign: false, credential: null }),
      'peer_not_enrolled',
    ],
    [
      'a push signed with another node key',
      () => node.push([aiMemory('u2')], { signingSeed: testSeed(8) }),
      'x_memory_sig_bad_signature',
    ],
    [
      'a credential for another identity than x-peer-id',
      () =>
        node.push([aiMemory('u3')], {
          credential: testCredential('region/nyc/node-2', testSeed(7)),
        }),
      'credential_identity_mismatch',
    ],
    [
      'a stale nonce-less push',
      () => node.push([aiMemory('u4')], { nonce: null, wallClock: stale() }),
      'x_memory_nonce_missing',
    ],
    [
      'a stale push with a fresh nonce',
      () => node.push([aiMemory('u5')], { wallClock: stale() }),
      'x_memory_clock_skew',
    ],
    [
      'an expired credential',
      () =>
        node.push([aiMemory('u6')], {
          credential: testCredential(PEER, testSeed(7), {
            nowS: Math.floor(Date.now() / 1000) - 7200,
          }),
        }),
      'credential_expired',
    ],
    [
      'a signature without credential',
      () => node.push([aiMemory('u7')], { credential: null }),
      'x_memory_sig_no_enrolled_key',
    ],
    [
      'a credential without signature',
      () => node.push([aiMemory('u8')], { sign: false }),
      'x_memory_sig_missing',
    ],
    [
      'an unsigned since',
      () => node.since({ limit: 5 }, { sign: false, credential: null }),
      'peer_not_enrolled',
    ],
  ];

  it.each(refusals)('refuses %s with 401 and the tag, changing nothing', async (_, send, tag) => {
    const response = await send();
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'UNAUTHENTICATED', message: tag, reason: tag });
    expect(mem.pushes).toHaveLength(0);
    expect(mem.reads).toHaveLength(0);
  });

  it('refuses a replayed push (same bytes, same nonce) with x_memory_nonce_replay', async () => {
    const prepared = node.buildPush([aiMemory('r1')]);
    expect((await node.send(prepared)).status).toBe(200);
    const replay = await node.send(prepared);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ reason: 'x_memory_nonce_replay' });
    expect(mem.pushes).toHaveLength(1);
  });

  it('refuses a replayed signed GET, and a GET whose query changed after signing', async () => {
    const prepared = node.buildSince({ limit: 3, peer: PEER });
    expect((await node.send(prepared)).status).toBe(200);
    expect((await node.send(prepared)).body).toMatchObject({ reason: 'x_memory_nonce_replay' });
    const tampered = { ...node.buildSince({ limit: 3 }) };
    const changed = { ...tampered, url: tampered.url.replace('limit=3', 'limit=4') };
    expect((await node.send(changed)).body).toMatchObject({ reason: 'x_memory_sig_bad_signature' });
    expect(mem.reads).toHaveLength(1);
  });

  it('refuses a sender_agent_id the peer may not claim with 403, and allows a listed relay', async () => {
    const other = await node.push([aiMemory('s1')], { senderAgentId: 'region/nyc/relay' });
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({
      error: 'FORBIDDEN',
      reason: 'sender_agent_id_mismatch',
      claimed: 'region/nyc/relay',
      peer_header: PEER,
    });
    scopes.json = { [PEER]: { allowed_sender_agent_ids: ['region/nyc/relay'] } };
    const relayed = await node.push([aiMemory('s2')], { senderAgentId: 'region/nyc/relay' });
    expect(relayed.status).toBe(200);
    expect(mem.pushes.map((p) => p.sender.peerId)).toEqual([PEER]);
  });

  it('refuses a peer missing from configured scopes with x_peer_id_not_in_allowlist', async () => {
    scopes.json = { 'region/nyc/node-9': { allowed_namespaces: ['**'] } };
    const response = await node.push([aiMemory('a1')]);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ reason: 'x_peer_id_not_in_allowlist' });
    expect(mem.pushes).toHaveLength(0);
  });
});

describe('permissive posture', () => {
  it('accepts every refused kind unverified and counts it', async () => {
    posture.strict = false;
    const before = metrics.counts();
    const prepared = node.buildPush([aiMemory('p0')]);
    const responses = [
      await node.push([aiMemory('p1')], { sign: false, credential: null }),
      await node.push([aiMemory('p2')], { signingSeed: testSeed(8) }),
      await node.push([aiMemory('p3')], {
        credential: testCredential('region/nyc/node-2', testSeed(7)),
      }),
      await node.push([aiMemory('p4')], { nonce: null, wallClock: stale() }),
      await node.send(prepared),
      await node.send(prepared),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(mem.pushes.map((p) => p.sender)).toEqual([
      { peerId: PEER, verified: false },
      { peerId: PEER, verified: false },
      { peerId: PEER, verified: false },
      { peerId: PEER, verified: false },
      { peerId: PEER, verified: true },
      { peerId: PEER, verified: false },
    ]);
    const after = metrics.counts();
    expect(after.inboundCred.unsigned - before.inboundCred.unsigned).toBe(1);
    expect(after.inboundCred.signed - before.inboundCred.signed).toBe(5);
    expect(after.credVerify.fail - before.credVerify.fail).toBe(1);
    expect(after.credVerify.ok - before.credVerify.ok).toBe(4);
    const unverified = 'transport=http,route=push,outcome=unverified';
    expect((after.requests[unverified] ?? 0) - (before.requests[unverified] ?? 0)).toBe(5);
  });

  it('still refuses a push without x-peer-id (sender attestation) with 403', async () => {
    posture.strict = false;
    const response = await node.push([aiMemory('p5')], {
      peerId: null,
      sign: false,
      credential: null,
    });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ reason: 'peer_id_header_missing' });
  });

  it('passes an anonymous since to the engine without a sender', async () => {
    posture.strict = false;
    const response = await node.since({}, { peerId: null, sign: false, credential: null });
    expect(response.status).toBe(200);
    expect(mem.reads[0]?.sender).toBeUndefined();
    expect(mem.reads[0]?.query.limit).toBe(500);
  });
});

describe('limits and validation', () => {
  it('refuses a body over SYNC_MAX_BODY_BYTES with 413 before the engine', async () => {
    const big = aiMemory('big', { content: 'x'.repeat(MAX_BODY) });
    const response = await node.push([big]);
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: 'TOO_LARGE', max: MAX_BODY });
    expect(mem.pushes).toHaveLength(0);
  });

  it('refuses an oversized chunked body (no content-length) with 413', async () => {
    const chunk = new Uint8Array(16 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= MAX_BODY * 2) controller.close();
        else {
          sent += chunk.byteLength;
          controller.enqueue(chunk);
        }
      },
    });
    const response = await fetch(`${base}/api/v1/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    });
    expect(response.status).toBe(413);
    expect(mem.pushes).toHaveLength(0);
  });

  it('answers a signed body that is not JSON with 400 malformed sync_push body', async () => {
    const response = await node.push([], { rawBody: Buffer.from('{not json', 'utf8') });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: 'BAD_REQUEST',
      message: 'malformed sync_push body',
    });
  });

  it('lists every schema issue, including the 1 000-per-collection cap', async () => {
    const memories = Array.from({ length: 1001 }, (_, i) => ({
      id: `c${i}`,
      namespace: 'n',
      updated_at: 't',
    }));
    const response = await node.push(memories, { extra: { bogus: true, dry_run: 'no' } });
    expect(response.status).toBe(400);
    const issues = (response.body as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(issues).toEqual(expect.arrayContaining(['memories', 'dry_run', '']));
    expect(mem.pushes).toHaveLength(0);
  });

  it('answers an invalid since query with 400 and its issues', async () => {
    const response = await node.since({ since: 'yesterday', limit: 20_000 });
    expect(response.status).toBe(400);
    const issues = (response.body as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(issues).toEqual(expect.arrayContaining(['since', 'limit']));
  });

  it('answers an unknown route with 404', async () => {
    const response = await fetch(`${base}/api/v1/sync/nothing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'NOT_FOUND' });
  });
});

describe('engine outcomes', () => {
  it('maps quorum_not_met to 202 with the reference body', async () => {
    mem.state.mode = 'not_met';
    const response = await node.push([aiMemory('q1')]);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      error: 'quorum_not_met',
      needed: 2,
      got: 1,
      reason: 'timeout',
    });
  });

  it('maps invalid records to 400 with the issues', async () => {
    mem.state.mode = 'invalid';
    const response = await node.push([aiMemory('q2')]);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: 'BAD_REQUEST',
      issues: [{ path: 'memories.0.title', message: 'blank' }],
    });
  });

  it('maps an unavailable engine to 503 and a bug to 500 with a request id', async () => {
    mem.state.mode = 'unavailable';
    const down = await node.push([aiMemory('q3')]);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ error: 'UNAVAILABLE' });
    mem.state.mode = 'bug';
    const bug = await node.push([aiMemory('q4')]);
    expect(bug.status).toBe(500);
    expect(bug.body).toMatchObject({ error: 'INTERNAL', request_id: expect.any(String) });
    expect(JSON.stringify(bug.body)).not.toContain('boom');
  });
});

describe('the ai-memory test client', () => {
  type SigCase = {
    name: string;
    kind: string;
    body?: string;
    query?: string;
    nonce: string | null;
    signing_seed: string;
    expect: { header: string };
  };
  const vectors = JSON.parse(
    readFileSync(new URL('../vectors/sync.json', import.meta.url), 'utf8'),
  ) as { cases: SigCase[] };
  const sigCases = vectors.cases.filter((c) => c.kind === 'push_sig' || c.kind === 'get_sig');

  it('signs pushes and GETs exactly as the reference vectors (node:crypto, not core)', () => {
    expect(sigCases).toHaveLength(5);
    for (const c of sigCases) {
      const client = createSyncClient(base, {
        agentId: PEER,
        seed: Uint8Array.from(Buffer.from(c.signing_seed, 'hex')),
      });
      if (c.kind === 'push_sig') {
        const prepared = client.buildPush([], {
          rawBody: Buffer.from(c.body ?? '', 'utf8'),
          nonce: c.nonce,
        });
        expect(prepared.headers['x-memory-sig'], c.name).toBe(c.expect.header);
      } else {
        const params = Object.fromEntries(new URLSearchParams(c.query ?? ''));
        const prepared = client.buildSince(
          {
            ...params,
            ...(params['limit'] === undefined ? {} : { limit: Number(params['limit']) }),
          },
          { nonce: c.nonce },
        );
        expect(prepared.url.split('?')[1] ?? '', c.name).toBe(c.query);
        expect(prepared.headers['x-memory-sig'], c.name).toBe(c.expect.header);
      }
    }
  });
});
