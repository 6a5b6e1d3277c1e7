import { validateSyncRecord } from '@fedplane/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyVersions } from '../../services/sync-gateway/src/adapters/pg-replica.js';
import { toVersion } from '../../services/sync-gateway/src/core/record-version.js';
import {
  digest,
  eventually,
  makeNode,
  memory,
  pushBody,
  startSyncWorld,
  startTestGateway,
  type SyncWorld,
  type TestGateway,
  type TestNode,
} from './sync-fixtures.js';

const sender = { peerId: 'client', verified: true };

async function unpublished(world: SyncWorld, nodeId: string): Promise<string[]> {
  const result = await world.pool.query<{ id: string }>(
    `SELECT id FROM sync_records WHERE node_id = $1 AND origin = node_id AND stream_seq IS NULL`,
    [nodeId],
  );
  return result.rows.map((row) => row.id);
}

describe('sync engine: the replica is an outbox', () => {
  let world: SyncWorld;
  let nodeA: TestNode;
  let a: TestGateway | undefined;
  let b: TestGateway;

  beforeAll(async () => {
    world = await startSyncWorld();
    nodeA = makeNode(world, 'node-a');
    b = await startTestGateway(world, makeNode(world, 'node-b'));
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await world?.close();
  });

  it('re-publishes at start what was committed but never published (crash in between)', async () => {
    // node-a committed this version, then died before publishing it.
    const checked = validateSyncRecord(memory('crash-1', '2026-02-01T00:00:00.000Z'));
    if (!checked.ok || checked.kind !== 'memory') throw new Error('fixture record invalid');
    const version = toVersion({ kind: 'memory', record: checked.record }, 'node-a');
    if (version === undefined) throw new Error('fixture version invalid');
    await applyVersions(world.pool, 'node-a', [version]);
    expect(await unpublished(world, 'node-a')).toEqual(['crash-1']);
    expect((await digest(world, 'node-b')).map((r) => r.id)).not.toContain('crash-1');

    a = await startTestGateway(world, nodeA, { outboxIntervalMs: 300, timeoutMs: 300 });
    expect(
      await eventually(async () =>
        (await digest(world, 'node-b')).some(
          (r) => r.id === 'crash-1' && r.content_hash === version.contentHash,
        ),
      ),
    ).toBe(true);
    expect(await eventually(async () => (await unpublished(world, 'node-a')).length === 0)).toBe(
      true,
    );
  }, 40_000);

  it('a publish that failed with NATS down reaches the peers once NATS is back', async () => {
    const gateway = a;
    if (gateway === undefined) throw new Error('gateway a not started');
    await world.nats.kill();
    const outcome = await gateway.engine
      .push(pushBody('client', [memory('down-1', '2026-03-01T00:00:00.000Z')]) as never, sender)
      .then(
        (value) => value.kind,
        () => 'rejected',
      );
    // Committed locally, publish not acknowledged: the push could not report quorum.
    expect(outcome).not.toBe('quorum_met');
    const local = await digest(world, 'node-a');
    expect(local.map((r) => r.id)).toContain('down-1');
    expect(await unpublished(world, 'node-a')).toContain('down-1');

    await world.nats.restart();
    expect(
      await eventually(
        async () => (await digest(world, 'node-b')).some((r) => r.id === 'down-1'),
        30_000,
      ),
    ).toBe(true);
    expect(await eventually(async () => (await unpublished(world, 'node-a')).length === 0)).toBe(
      true,
    );
    const [ra, rb] = await Promise.all([digest(world, 'node-a'), digest(world, 'node-b')]);
    expect(rb.filter((r) => r.id === 'down-1')).toEqual(ra.filter((r) => r.id === 'down-1'));
  }, 55_000);
});
