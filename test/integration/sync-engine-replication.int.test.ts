import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
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
} from './sync-fixtures.js';

const NODES = ['node-a', 'node-b', 'node-c'] as const;
const sender = { peerId: 'client', verified: true };

describe('sync engine: three gateways over real NATS + Postgres', () => {
  let world: SyncWorld;
  let gateways: TestGateway[];

  beforeAll(async () => {
    world = await startSyncWorld();
    gateways = [];
    for (const id of NODES) {
      gateways.push(await startTestGateway(world, makeNode(world, id), { quorum: 3 }));
    }
  }, 60_000);

  afterAll(async () => {
    for (const gateway of gateways ?? []) await gateway.close();
    await world?.close();
  });

  const gw = (i: number): TestGateway => gateways[i]!;

  const converged = async (ids: readonly string[]): Promise<boolean> => {
    const rows = await Promise.all(NODES.map((id) => digest(world, id)));
    const wanted = rows.map((r) => r.filter((row) => ids.includes(row.id)));
    return (
      wanted[0]!.length === ids.length &&
      JSON.stringify(wanted[0]) === JSON.stringify(wanted[1]) &&
      JSON.stringify(wanted[0]) === JSON.stringify(wanted[2])
    );
  };

  it('applies a write through any gateway on all three, with quorum 3/3', async () => {
    const outcome = await gw(1).engine.push(
      pushBody('client', [memory('w-1', '2026-01-01T00:00:00.000Z')]) as never,
      sender,
    );
    expect(outcome.kind).toBe('quorum_met');
    if (outcome.kind !== 'quorum_met') return;
    expect(outcome.report.applied).toBe(1);
    expect(outcome.report.quorum).toEqual({
      needed: 3,
      got: 3,
      acked_by: ['node-b', 'node-a', 'node-c'],
    });
    expect(await eventually(() => converged(['w-1']))).toBe(true);
  });

  it('reports every validation issue and applies nothing', async () => {
    const outcome = await gw(0).engine.push(
      pushBody('client', [
        memory('ok-1', '2026-01-01T00:00:00Z'),
        { id: '../bad', namespace: 'team/a', title: '', content: 'x', updated_at: 'yesterday' },
      ]) as never,
      sender,
    );
    expect(outcome.kind).toBe('invalid');
    if (outcome.kind !== 'invalid') return;
    const paths = outcome.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['memories.1.id', 'memories.1.title', 'memories.1.updated_at']),
    );
    expect((await digest(world, 'node-a')).some((r) => r.id === 'ok-1')).toBe(false);
  });

  it('never resurrects a delete with an older write', async () => {
    await gw(0).engine.push(
      pushBody('client', [memory('d-1', '2026-02-01T00:00:00Z')]) as never,
      sender,
    );
    await gw(1).engine.push(
      pushBody('client', [
        { id: 'd-1', namespace: 'team/a', deleted: true, updated_at: '2026-02-02T00:00:00Z' },
      ]) as never,
      sender,
    );
    const older = await gw(2).engine.push(
      pushBody('client', [memory('d-1', '2026-02-01T12:00:00Z', 'zombie')]) as never,
      sender,
    );
    expect(older.kind).toBe('quorum_met');
    if (older.kind === 'quorum_met') expect(older.report.noop).toBe(1);
    expect(await eventually(() => converged(['d-1']))).toBe(true);
    for (const id of NODES) {
      expect((await digest(world, id)).find((r) => r.id === 'd-1')?.deleted).toBe(true);
    }
  });

  it('converges to identical replicas under concurrent conflicting writes in any order', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            gateway: fc.integer({ min: 0, max: 2 }),
            id: fc.constantFrom('c-1', 'c-2', 'c-3'),
            ms: fc.integer({ min: 0, max: 3 }),
            content: fc.constantFrom('x', 'y', 'z'),
            deleted: fc.boolean(),
          }),
          { minLength: 2, maxLength: 12 },
        ),
        async (writes) => {
          round += 1;
          const ids = new Set<string>();
          await Promise.all(
            writes.map((w) => {
              const id = `${w.id}-${String(round)}`;
              ids.add(id);
              const at = new Date(Date.UTC(2026, 2, 1, 0, 0, 0, w.ms)).toISOString();
              const record = w.deleted
                ? { id, namespace: 'team/a', deleted: true, updated_at: at }
                : memory(id, at, w.content);
              return gw(w.gateway).engine.push(pushBody('client', [record]) as never, sender);
            }),
          );
          expect(await eventually(() => converged([...ids]), 15_000)).toBe(true);
        },
      ),
      { numRuns: 8 },
    );
  }, 120_000);
});
