import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('sync engine: partition catch-up and keyset paging', () => {
  let world: SyncWorld;
  let a: TestGateway;
  let b: TestGateway;
  let c: TestGateway | undefined;
  let nodeC: TestNode;

  beforeAll(async () => {
    world = await startSyncWorld();
    a = await startTestGateway(world, makeNode(world, 'node-a'), {
      quorum: 2,
      timeoutMs: 10_000,
      scopes: new Map([['reader', { allowedSenderAgentIds: [], allowedNamespaces: ['team/**'] }]]),
    });
    b = await startTestGateway(world, makeNode(world, 'node-b'), { quorum: 2, timeoutMs: 10_000 });
    nodeC = makeNode(world, 'node-c');
    c = await startTestGateway(world, nodeC, { quorum: 2, timeoutMs: 10_000 });
  }, 60_000);

  afterAll(async () => {
    for (const g of [a, b, c]) await g?.close();
    await world?.close();
  });

  it('a stopped gateway converges after 10,000 writes through the others, no loss, no duplicate', async () => {
    await c?.close();
    c = undefined;
    const ids: string[] = [];
    const pushes = [];
    for (let i = 0; i < 100; i += 1) {
      const batch = Array.from({ length: 100 }, (_, j) =>
        memory(`p-${String(i)}-${String(j)}`, '2026-05-01T00:00:00Z'),
      );
      ids.push(...batch.map((m) => m.id));
      pushes.push((i % 2 === 0 ? a : b).engine.push(pushBody('client', batch) as never, sender));
      if (pushes.length >= 10) {
        for (const outcome of await Promise.all(pushes.splice(0))) {
          expect(outcome.kind).toBe('quorum_met');
        }
      }
    }
    for (const outcome of await Promise.all(pushes)) expect(outcome.kind).toBe('quorum_met');
    c = await startTestGateway(world, nodeC, { quorum: 2, timeoutMs: 10_000 });
    const want = new Set(ids);
    expect(
      await eventually(async () => {
        const rows = await digest(world, 'node-c');
        return rows.filter((r) => want.has(r.id)).length === want.size;
      }, 40_000),
    ).toBe(true);
    const [ra, rc] = await Promise.all([digest(world, 'node-a'), digest(world, 'node-c')]);
    expect(rc.filter((r) => want.has(r.id))).toEqual(ra.filter((r) => want.has(r.id)));
  }, 58_000);

  it('pages every row exactly once across hundreds of equal updated_at, and a filtered page advances', async () => {
    const same = Array.from({ length: 300 }, (_, i) =>
      memory(`k-${String(i).padStart(3, '0')}`, '2026-06-01T00:00:00Z'),
    );
    const hidden = Array.from({ length: 40 }, (_, i) =>
      memory(`h-${String(i)}`, '2026-06-01T00:00:00Z', 'x', 'other/a'),
    );
    await a.engine.push(pushBody('client', [...same, ...hidden]) as never, sender);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let emptyPages = 0;
    for (;;) {
      const page = await a.engine.since(
        { limit: 7, ...(cursor === undefined ? {} : { cursor }), since: '2026-05-31T00:00:00Z' },
        { peerId: 'reader', verified: true },
      );
      pages += 1;
      if (page.count === 0 && page.next_cursor !== null) emptyPages += 1;
      seen.push(...page.memories.map((m) => m.id));
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
    expect(seen.length).toBe(same.length);
    expect(new Set(seen).size).toBe(same.length);
    expect(seen.sort()).toEqual(same.map((m) => m.id).sort());
    expect(emptyPages).toBeGreaterThan(0);
    expect(pages).toBeGreaterThan(40);
    const denied = await a.engine.since({ limit: 10 }, { peerId: 'stranger', verified: true });
    expect(denied).toMatchObject({ count: 0, scope_status: 'no_allowlist_default_deny' });
  });
});
