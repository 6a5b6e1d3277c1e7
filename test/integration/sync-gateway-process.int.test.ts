import { join } from 'node:path';
import { publicKeyFromSeed } from '@fedplane/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceProcess, stopAll, type ServiceProcess } from '../e2e/service-process.js';
import { aiMemory, createSyncClient, testSeed, type SyncClient } from './sync-client.js';
import { digest, eventually, makeNode, startSyncWorld, type SyncWorld } from './sync-fixtures.js';

/**
 * Three sync-gateways as their own OS processes (`services/sync-gateway/src/main.ts`, configured
 * only by environment; quorum 2 of 3): a signed HTTP push through one is read back from another;
 * one is killed with SIGKILL while writes go on through the others (every write still meets its
 * quorum), restarted with the same environment, and converges with no loss and no duplicate.
 */

const GATEWAYS = ['region/nyc/gw-p1', 'region/nyc/gw-p2', 'region/nyc/gw-p3'] as const;
const DAEMON = 'region/nyc/daemon-1';

let world: SyncWorld;
const processes: ServiceProcess[] = [];
const clients: SyncClient[] = [];

function gatewayProcess(nodeId: string, index: number): ServiceProcess {
  const node = makeNode(world, nodeId);
  return serviceProcess(
    {
      name: `sync-gateway-${String(index + 1)}`,
      service: 'sync-gateway',
      env: {
        NATS_URL: world.nats.url,
        DATABASE_URL: world.db.url,
        FED_NODE_ID: nodeId,
        FED_KEY_PATH: node.paths.keyPath,
        FED_CRED_PATH: node.paths.credPath,
        SYNC_HTTP_PORT: '0',
        SYNC_HTTP_HOST: '127.0.0.1',
        SYNC_QUORUM_W: '2',
        SYNC_QUORUM_TIMEOUT_MS: '10000',
        SYNC_PEER_SCOPES: JSON.stringify({ [DAEMON]: { allowed_namespaces: ['team/**'] } }),
        SYNC_DB_POOL: '4',
        HEALTH_PORT: '0',
        HEALTH_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        INSTANCE_ID: `p${String(index + 1)}`,
      },
    },
    join(world.dir, 'logs'),
  );
}

async function started(gateway: ServiceProcess, fromIndex = 0): Promise<SyncClient> {
  const line = await gateway.waitForLog((l) => l['msg'] === 'sync-gateway started', {
    timeoutMs: 50_000,
    fromIndex,
  });
  const seed = testSeed(9);
  return createSyncClient(`http://127.0.0.1:${String(line['http_port'])}`, {
    agentId: DAEMON,
    seed,
    credential: world.issuer.issue(DAEMON, publicKeyFromSeed(seed)).header,
  });
}

/** Every id of a gateway's replica as served to the daemon (keyset pages through `since`). */
async function pagedIds(client: SyncClient): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await client.since({
      since: '2020-01-01T00:00:00Z',
      limit: 200,
      peer: DAEMON,
      ...(cursor === undefined ? {} : { cursor }),
    });
    expect(page.status).toBe(200);
    const body = page.body as { memories: { id: string }[]; next_cursor: string | null };
    ids.push(...body.memories.map((m) => m.id));
    if (body.next_cursor === null) return ids;
    cursor = body.next_cursor;
  }
}

beforeAll(async () => {
  world = await startSyncWorld();
  processes.push(...GATEWAYS.map((id, i) => gatewayProcess(id, i)));
  for (const gateway of processes) gateway.start();
  clients.push(...(await Promise.all(processes.map((gateway) => started(gateway)))));
}, 58_000);

afterAll(async () => {
  await stopAll(processes);
  await world?.close();
});

describe('three sync-gateway processes', () => {
  it('a signed push through one is read from another, with quorum 2', async () => {
    const [one, two] = clients;
    if (one === undefined || two === undefined) throw new Error('gateways not started');
    const memory = aiMemory('proc-first');
    const pushed = await one.push([memory]);
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({ applied: 1, quorum: { needed: 2 } });
    expect(
      await eventually(async () => {
        const page = await two.since({ since: '2020-01-01T00:00:00Z', peer: DAEMON });
        return (
          (page.body as { memories?: { id: string }[] }).memories?.some(
            (m) => m.id === 'proc-first',
          ) === true
        );
      }, 20_000),
    ).toBe(true);
  });

  it('a gateway killed with SIGKILL during writes converges on restart: no loss, no duplicate', async () => {
    const [one, two] = clients;
    const third = processes[2];
    if (one === undefined || two === undefined || third === undefined) {
      throw new Error('gateways not started');
    }
    const ids: string[] = [];
    let killed: Promise<number | null> | undefined;
    for (let i = 0; i < 40; i += 1) {
      const batch = Array.from({ length: 10 }, (_, j) =>
        aiMemory(`kill-${String(i)}-${String(j)}`),
      );
      ids.push(...batch.map((m) => String(m['id'])));
      if (i === 10) killed = third.kill();
      const response = await (i % 2 === 0 ? one : two).push(batch);
      expect(response.status).toBe(200);
    }
    await killed;
    expect(third.running()).toBe(false);
    const fromIndex = third.lines.length;
    third.start();
    const again = await started(third, fromIndex);
    const want = new Set(ids);
    expect(
      await eventually(async () => {
        const rows = await digest(world, GATEWAYS[2]);
        return rows.filter((r) => want.has(r.id)).length === want.size;
      }, 30_000),
    ).toBe(true);
    const [r1, r3] = await Promise.all([digest(world, GATEWAYS[0]), digest(world, GATEWAYS[2])]);
    expect(r3).toEqual(r1);
    const served = await pagedIds(again);
    expect(served.length).toBe(new Set(served).size);
    expect(new Set(served)).toEqual(new Set(['proc-first', ...ids]));
  }, 58_000);
});
