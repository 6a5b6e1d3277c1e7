import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  StreamName,
  connectBus,
  ensureKv,
  ensureStreams,
  fedBuckets,
  fedStreams,
  seedCredentialSigner,
  type Bus,
} from '@fedplane/messaging';
import {
  createTestDatabase,
  startNatsServer,
  type NatsServerHandle,
  type TestDatabase,
} from '@fedplane/testkit';
import { Pool } from 'pg';
import { startSyncGateway } from '../../services/sync-gateway/src/shell/start-gateway.js';
import { SYNC_SILENT } from './sync-fixtures.js';

/**
 * A gateway ensures only the streams the gateways own (`FED_SYNC`, `FED_SYNC_DLQ`): on a server
 * where the control plane has created only what a gateway reads (`FED_EVENTS` and the buckets),
 * it starts and leaves `FED_STATUS` and `FED_CHECKPOINTS` to the services that own them.
 */

let nats: NatsServerHandle;
let bus: Bus;
let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  nats = await startNatsServer();
  bus = await connectBus({ servers: nats.url, name: 'sync-streams-test', log: SYNC_SILENT });
  const events = fedStreams().filter((s) => s.name === StreamName.events);
  await ensureStreams(bus.jsm, events);
  await ensureKv(bus.jsm, fedBuckets());
  db = await createTestDatabase();
  pool = new Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => undefined);
});

afterAll(async () => {
  await pool.end();
  await db.drop();
  await bus.close();
  await nats.stop();
});

async function streamNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const info of bus.jsm.streams.list()) names.push(info.config.name);
  return names.filter((n) => !n.startsWith('KV_')).sort();
}

describe('sync-gateway start-up streams', () => {
  it('creates FED_SYNC and FED_SYNC_DLQ and no stream it does not own', async () => {
    expect(await streamNames()).toEqual([StreamName.events]);
    const nodeId = 'test/streams-node';
    const gateway = await startSyncGateway({
      nodeId,
      bus,
      pool,
      signer: seedCredentialSigner({
        agentId: nodeId,
        seed: new Uint8Array(randomBytes(32)),
        credential: () => 'v1=unused',
      }),
      trust: () => undefined,
      requireSig: () => true,
      inventoryWidth: () => undefined,
      snapshotPeers: () => [],
      scopes: new Map(),
      settings: { quorumOverride: 1, quorumTimeoutMs: 2_000, batch: 100 },
      nowMs: () => Date.now(),
      log: SYNC_SILENT,
    });
    try {
      expect(await streamNames()).toEqual(
        [StreamName.events, StreamName.sync, StreamName.syncDlq].sort(),
      );
    } finally {
      await gateway.stop();
    }
  });
});
