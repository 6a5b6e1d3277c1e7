import { StreamName, eventSubject } from '@fedplane/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSyncEndpoints } from '../../services/sync-gateway/src/adapters/nats-sync-endpoints.js';
import { createEdgeAuth } from '../../services/sync-gateway/src/shell/edge-auth.js';
import {
  SYNC_SILENT,
  digest,
  eventually,
  makeNode,
  memory,
  pushBody,
  startSyncWorld,
  startTestGateway,
  type SyncWorld,
  type TestGateway,
} from './sync-fixtures.js';

const sender = { peerId: 'client', verified: true };

describe('sync engine: a gateway joining after the stream dropped records copies a peer', () => {
  let world: SyncWorld;
  let a: TestGateway;
  let c: TestGateway | undefined;
  let endpoints: Awaited<ReturnType<typeof startSyncEndpoints>>;

  beforeAll(async () => {
    world = await startSyncWorld();
    a = await startTestGateway(world, makeNode(world, 'node-a'), {
      scopes: new Map([['node-c', { allowedSenderAgentIds: [], allowedNamespaces: ['**'] }]]),
    });
    endpoints = await startSyncEndpoints(a.bus.nc, {
      nodeId: 'node-a',
      engine: a.engine,
      auth: createEdgeAuth({
        posture: () => true,
        bundle: () => world.trust.current(),
        clock: { nowMs: () => Date.now() },
        log: SYNC_SILENT,
        scopes: () =>
          new Map([['node-c', { allowedSenderAgentIds: [], allowedNamespaces: ['**'] }]]),
      }),
      log: SYNC_SILENT,
      maxBodyBytes: 8 * 1024 * 1024,
    });
  }, 60_000);

  afterAll(async () => {
    await c?.close();
    await endpoints?.stop();
    await a?.close();
    await world?.close();
  });

  it('snapshots the peer, then consumes from the snapshot sequence', async () => {
    const early = Array.from({ length: 2_500 }, (_, i) =>
      memory(`s-${String(i)}`, '2026-01-01T00:00:00Z'),
    );
    for (let i = 0; i < early.length; i += 500) {
      const outcome = await a.engine.push(
        pushBody('client', early.slice(i, i + 500)) as never,
        sender,
      );
      expect(outcome.kind).toBe('quorum_met');
    }
    // Retention: everything written so far is gone from the stream.
    await world.bus.jsm.streams.purge(StreamName.sync);
    const completed = world.bus.nc.subscribe(eventSubject('sync.snapshot_completed', 'node-c'), {
      max: 1,
    });
    c = await startTestGateway(world, makeNode(world, 'node-c'), { peers: ['node-a'] });
    const events: { data: { records: number; peer: string; stream_seq: number } }[] = [];
    for await (const msg of completed) events.push(JSON.parse(new TextDecoder().decode(msg.data)));
    expect(events[0]?.data).toMatchObject({ peer: 'node-a', records: 2_500 });

    // Written after the snapshot: arrives through the stream.
    await a.engine.push(
      pushBody('client', [memory('late-1', '2026-02-01T00:00:00Z')]) as never,
      sender,
    );
    expect(
      await eventually(async () => (await digest(world, 'node-c')).some((r) => r.id === 'late-1')),
    ).toBe(true);
    const [ra, rc] = await Promise.all([digest(world, 'node-a'), digest(world, 'node-c')]);
    expect(rc).toEqual(ra);
  }, 50_000);
});
