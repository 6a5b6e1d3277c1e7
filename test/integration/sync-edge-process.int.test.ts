import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { publicKeyFromSeed, type Posture } from '@fedplane/core';
import {
  BucketName,
  seedCredentialSigner,
  watchPosture,
  writePosture,
  type PostureWatch,
} from '@fedplane/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceProcess, type ServiceProcess } from '../e2e/service-process.js';
import { aiMemory, createSyncClient, testSeed, type SyncClient } from './sync-client.js';
import {
  SYNC_SILENT,
  eventually,
  makeNode,
  startSyncWorld,
  type SyncWorld,
} from './sync-fixtures.js';

/**
 * The sync-gateway as its own OS process (`services/sync-gateway/src/main.ts`, configured only by
 * environment) with an ai-memory-shaped daemon in front of it: the daemon pushes and pulls
 * unchanged; the live posture written to `fed-enforcement` turns unsigned requests away without
 * a restart; the edge's counters are on `/metrics`; SIGTERM stops it cleanly.
 */

const GATEWAY = 'region/nyc/gw-proc';
const PEER = 'region/nyc/node-1';

let world: SyncWorld;
let gateway: ServiceProcess;
let posture: PostureWatch;
let reconciler: ReturnType<typeof seedCredentialSigner>;
let daemon: SyncClient;
let healthPort: number;

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
}

beforeAll(async () => {
  world = await startSyncWorld();
  const reconcilerSeed = new Uint8Array(randomBytes(32));
  const credential = world.issuer.issue('svc/reconciler/it', publicKeyFromSeed(reconcilerSeed));
  reconciler = seedCredentialSigner({
    agentId: 'svc/reconciler/it',
    seed: reconcilerSeed,
    credential: () => credential.header,
  });
  posture = watchPosture(await world.bus.kvm.open(BucketName.enforcement), {
    trust: world.trust,
    clock: { nowMs: () => Date.now() },
    log: SYNC_SILENT,
  });
  await posture.ready;
  const node = makeNode(world, GATEWAY);
  gateway = serviceProcess(
    {
      name: 'sync-gateway-edge',
      service: 'sync-gateway',
      env: {
        NATS_URL: world.nats.url,
        DATABASE_URL: world.db.url,
        FED_NODE_ID: GATEWAY,
        FED_KEY_PATH: node.paths.keyPath,
        FED_CRED_PATH: node.paths.credPath,
        SYNC_HTTP_PORT: '0',
        SYNC_HTTP_HOST: '127.0.0.1',
        SYNC_QUORUM_W: '1',
        SYNC_MAX_BODY_BYTES: String(64 * 1024),
        SYNC_PEER_SCOPES: JSON.stringify({ [PEER]: { allowed_namespaces: ['team/**'] } }),
        SYNC_SNAPSHOT_PEERS: GATEWAY,
        HEALTH_PORT: '0',
        HEALTH_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        INSTANCE_ID: 'proc-1',
      },
    },
    join(world.dir, 'logs'),
  );
  gateway.start();
  const started = await gateway.waitForLog((line) => line['msg'] === 'sync-gateway started', {
    timeoutMs: 45_000,
  });
  healthPort = Number(started['health_port']);
  const seed = testSeed(7);
  daemon = createSyncClient(`http://127.0.0.1:${String(started['http_port'])}`, {
    agentId: PEER,
    seed,
    credential: world.issuer.issue(PEER, publicKeyFromSeed(seed)).header,
  });
});

afterAll(async () => {
  await gateway?.stop();
  await posture?.stop();
  await world?.close();
});

describe('the sync-gateway process', () => {
  it('serves the ai-memory daemon unchanged: push, then pull what it pushed', async () => {
    const memory = aiMemory('proc-001');
    const pushed = await daemon.push([memory]);
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({ applied: 1, quorum: { needed: 1, got: 1 } });
    const page = await daemon.since({ since: '2020-01-01T00:00:00Z', peer: PEER });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ count: 1, memories: [memory] });
  });

  it('accepts an unsigned daemon while permissive and refuses it once strict is written', async () => {
    expect(
      (await daemon.push([aiMemory('proc-002')], { sign: false, credential: null })).status,
    ).toBe(200);
    await setPosture(true);
    const refused = await eventually(async () => {
      const response = await daemon.push([aiMemory('proc-003')], { sign: false, credential: null });
      return response.status === 401;
    }, 15_000);
    expect(refused).toBe(true);
    const response = await daemon.push([aiMemory('proc-004')], { sign: false, credential: null });
    expect(response.body).toMatchObject({ error: 'UNAUTHENTICATED', reason: 'peer_not_enrolled' });
    expect((await daemon.push([aiMemory('proc-005')])).status).toBe(200);
  });

  it('exposes the edge counters on /metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    expect(text).toMatch(
      /ai_memory_federation_inbound_cred_total\{presence="unsigned"[^}]*\} [1-9]/,
    );
    expect(text).toMatch(/ai_memory_federation_cred_verify_total\{result="ok"[^}]*\} [1-9]/);
    expect(text).toMatch(/fedplane_sync_edge_requests_total\{[^}]*outcome="refused"[^}]*\} [1-9]/);
  });

  it('stops on SIGTERM', async () => {
    expect(await gateway.stop()).toBe(0);
  });
});
