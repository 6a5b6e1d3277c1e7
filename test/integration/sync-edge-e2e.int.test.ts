import { randomBytes } from 'node:crypto';
import { parsePeerScopes, publicKeyFromSeed, utf8, type Posture } from '@fedplane/core';
import {
  BucketName,
  errorFromReply,
  seedCredentialSigner,
  signedHeaders,
  syncPushSubject,
  watchPosture,
  writePosture,
  type PostureWatch,
} from '@fedplane/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSyncHttp } from '../../services/sync-gateway/src/adapters/http-server.js';
import { startSyncEndpoints } from '../../services/sync-gateway/src/adapters/nats-sync-endpoints.js';
import {
  createEdgeAuth,
  requireSigOf,
  type EdgeAuth,
} from '../../services/sync-gateway/src/shell/edge-auth.js';
import { createEdgeMetrics } from '../../services/sync-gateway/src/shell/edge-metrics.js';
import { aiMemory, createSyncClient, testSeed, type SyncClient } from './sync-client.js';
import {
  SYNC_SILENT,
  digest,
  eventually,
  makeNode,
  startSyncWorld,
  startTestGateway,
  type SyncWorld,
  type TestGateway,
} from './sync-fixtures.js';

/**
 * The edge over the REAL gateway: two in-process gateways (engine over real NATS JetStream and
 * Postgres, W = 2 on the first), each behind its HTTP edge, the live trust bundle from
 * `fed-trust` and the live posture from `fed-enforcement` (signed by a reconciler identity). An
 * ai-memory-shaped daemon pushes to one gateway and pulls from the other; under the strict
 * posture every refused kind gets its reference tag and changes nothing; under the permissive
 * posture the same requests are applied and counted.
 */

const PEER = 'region/nyc/node-1';
const MAX_BODY = 64 * 1024;
const scopesParse = parsePeerScopes({ [PEER]: { allowed_namespaces: ['team/**'] } });
if (!scopesParse.ok) throw new Error('scopes');
const scopes = scopesParse.scopes;

let world: SyncWorld;
let gwA: TestGateway;
let gwB: TestGateway;
let posture: PostureWatch;
let reconciler: ReturnType<typeof seedCredentialSigner>;
const metrics = createEdgeMetrics();
let auth: EdgeAuth;
const apps: ReturnType<typeof buildSyncHttp>[] = [];
let toA: SyncClient;
let toB: SyncClient;
let daemonSeed: Uint8Array;

async function listen(gateway: TestGateway): Promise<string> {
  const app = buildSyncHttp({
    engine: gateway.engine,
    auth,
    log: SYNC_SILENT,
    limits: { maxBodyBytes: MAX_BODY },
  });
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

async function setPosture(requireSig: boolean): Promise<void> {
  const held = posture.current();
  const body: Posture = {
    require_sig: requireSig,
    revision: (held.posture?.revision ?? 0) + 1,
    decided_at: new Date().toISOString(),
    evidence: [],
  };
  const kv = await world.bus.kvm.open(BucketName.enforcement);
  await writePosture(kv, {
    posture: body,
    signer: reconciler,
    expectedKvRevision: held.latestKvRevision,
  });
  const seen = await eventually(
    () => Promise.resolve(posture.current().posture?.require_sig === requireSig),
    10_000,
  );
  expect(seen).toBe(true);
}

beforeAll(async () => {
  world = await startSyncWorld();
  const reconcilerSeed = new Uint8Array(randomBytes(32));
  const reconcilerCred = world.issuer.issue('svc/reconciler/it', publicKeyFromSeed(reconcilerSeed));
  reconciler = seedCredentialSigner({
    agentId: 'svc/reconciler/it',
    seed: reconcilerSeed,
    credential: () => reconcilerCred.header,
  });
  posture = watchPosture(await world.bus.kvm.open(BucketName.enforcement), {
    trust: world.trust,
    clock: { nowMs: () => Date.now() },
    log: SYNC_SILENT,
  });
  await posture.ready;
  auth = createEdgeAuth({
    posture: requireSigOf(posture),
    bundle: () => world.trust.current(),
    clock: { nowMs: () => Date.now() },
    log: SYNC_SILENT,
    metrics,
    scopes: () => scopes,
  });
  gwB = await startTestGateway(world, makeNode(world, 'region/nyc/gw-b'), { scopes });
  gwA = await startTestGateway(world, makeNode(world, 'region/nyc/gw-a'), {
    scopes,
    quorum: 2,
    timeoutMs: 5_000,
  });
  daemonSeed = testSeed(7);
  const daemon = {
    agentId: PEER,
    seed: daemonSeed,
    credential: world.issuer.issue(PEER, publicKeyFromSeed(daemonSeed)).header,
  };
  toA = createSyncClient(await listen(gwA), daemon);
  toB = createSyncClient(await listen(gwB), daemon);
  await setPosture(true);
});

afterAll(async () => {
  await Promise.allSettled(apps.map((app) => app.close()));
  await gwA?.close();
  await gwB?.close();
  await posture?.stop();
  await world?.close();
});

const stale = () => new Date(Date.now() - 6 * 60_000).toISOString();

describe('strict posture (live from fed-enforcement)', () => {
  it('lets the ai-memory daemon push through one gateway with quorum and pull from the other', async () => {
    const memory = aiMemory('e2e-001');
    const pushed = await toA.push([memory]);
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({
      applied: 1,
      quorum: { needed: 2, got: 2 },
    });
    const ackedBy = (pushed.body as { quorum: { acked_by: string[] } }).quorum.acked_by;
    expect(ackedBy).toEqual(expect.arrayContaining(['region/nyc/gw-a', 'region/nyc/gw-b']));

    const page = await toB.since({ since: '2020-01-01T00:00:00Z', limit: 100, peer: PEER });
    expect(page.status).toBe(200);
    const memories = (page.body as { memories: Record<string, unknown>[] }).memories;
    expect(memories.find((m) => m['id'] === 'e2e-001')).toEqual(memory);
    expect(page.body).toMatchObject({ scope_status: 'scoped' });
  });

  it('refuses each unauthenticated kind with its reference tag and changes no replica', async () => {
    const before = await digest(world, 'region/nyc/gw-a');
    const replay = toA.buildPush([aiMemory('e2e-replay')]);
    expect((await toA.send(replay)).status).toBe(200);
    const afterReplayable = await digest(world, 'region/nyc/gw-a');
    const attempts: [string, Promise<{ status: number; body: unknown }>][] = [
      ['peer_not_enrolled', toA.push([aiMemory('x1')], { sign: false, credential: null })],
      ['x_memory_sig_bad_signature', toA.push([aiMemory('x2')], { signingSeed: testSeed(8) })],
      [
        'credential_identity_mismatch',
        toA.push([aiMemory('x3')], {
          credential: world.issuer.issue('region/nyc/node-2', publicKeyFromSeed(daemonSeed)).header,
        }),
      ],
      ['x_memory_nonce_replay', toA.send(replay)],
      ['x_memory_nonce_missing', toA.push([aiMemory('x4')], { nonce: null, wallClock: stale() })],
      ['peer_not_enrolled', toB.since({ limit: 5 }, { sign: false, credential: null })],
    ];
    for (const [reason, attempt] of attempts) {
      const response = await attempt;
      expect({ reason, status: response.status, body: response.body }).toMatchObject({
        reason,
        status: 401,
        body: { error: 'UNAUTHENTICATED', reason },
      });
    }
    expect(afterReplayable.length).toBe(before.length + 1);
    expect(await digest(world, 'region/nyc/gw-a')).toEqual(afterReplayable);
  });

  it('refuses a body over SYNC_MAX_BODY_BYTES with 413', async () => {
    const response = await toA.push([aiMemory('big', { content: 'x'.repeat(MAX_BODY) })]);
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: 'TOO_LARGE', max: MAX_BODY });
  });

  it('serves the NATS form of push over the same engine', async () => {
    const service = await startSyncEndpoints(gwA.bus.nc, {
      nodeId: 'region/nyc/gw-a',
      engine: gwA.engine,
      auth,
      log: SYNC_SILENT,
      maxBodyBytes: MAX_BODY,
    });
    try {
      const signer = seedCredentialSigner({
        agentId: PEER,
        seed: daemonSeed,
        credential: () => toA.identity.credential ?? '',
      });
      const bytes = utf8(
        JSON.stringify({
          sender_agent_id: PEER,
          sender_wall_clock: new Date().toISOString(),
          memories: [aiMemory('e2e-nats')],
        }),
      );
      const reply = await world.bus.nc.request(syncPushSubject('region/nyc/gw-a'), bytes, {
        headers: signedHeaders(signer, bytes),
        timeout: 10_000,
      });
      expect(errorFromReply(reply)).toBeUndefined();
      expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({
        applied: 1,
        quorum: { needed: 2, got: 2 },
      });
    } finally {
      await service.stop();
    }
  });
});

describe('permissive posture (relaxed live)', () => {
  it('applies the same requests unverified and counts them', async () => {
    await setPosture(false);
    const before = metrics.counts();
    const rows = (await digest(world, 'region/nyc/gw-a')).length;
    const replay = toA.buildPush([aiMemory('p-replay')]);
    const responses = [
      await toA.push([aiMemory('p1')], { sign: false, credential: null }),
      await toA.push([aiMemory('p2')], { signingSeed: testSeed(8) }),
      await toA.push([aiMemory('p3')], {
        credential: world.issuer.issue('region/nyc/node-2', publicKeyFromSeed(daemonSeed)).header,
      }),
      await toA.push([aiMemory('p4')], { nonce: null, wallClock: stale() }),
      await toA.send(replay),
      await toA.send(replay),
    ];
    // The replayed copy passes the edge. The engine may answer it 202: its records are stream
    // duplicates (same Nats-Msg-Id inside the window), so no peer acks them a second time.
    expect(responses.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect([200, 202]).toContain(responses[5]?.status);
    expect((await digest(world, 'region/nyc/gw-a')).length).toBe(rows + 5);
    const after = metrics.counts();
    const unverified = 'transport=http,route=push,outcome=unverified';
    expect((after.requests[unverified] ?? 0) - (before.requests[unverified] ?? 0)).toBe(5);
    expect(after.inboundCred.unsigned - before.inboundCred.unsigned).toBe(1);
    expect(after.credVerify.fail - before.credVerify.fail).toBe(1);
  });
});
