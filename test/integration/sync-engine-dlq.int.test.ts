import { DlqEntrySchema, fromUtf8, utf8 } from '@fedplane/core';
import { StreamName, publishSigned, syncDlqSubject, syncRecordSubject } from '@fedplane/messaging';
import { createTestDatabase, type TestDatabase } from '@fedplane/testkit';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../services/sync-gateway/src/core/canonical-json.js';
import {
  digest,
  eventually,
  makeNode,
  memory,
  pushBody,
  startSyncWorld,
  startTcpProxy,
  startTestGateway,
  viaProxy,
  type TcpProxy,
  type SyncWorld,
  type TestGateway,
} from './sync-fixtures.js';

const sender = { peerId: 'client', verified: true };

async function dlqEntries(world: SyncWorld, nodeId: string) {
  const jsm = world.bus.jsm;
  const info = await jsm.streams.info(StreamName.syncDlq);
  const out = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq += 1) {
    const msg = await jsm.streams.getMessage(StreamName.syncDlq, { seq }).catch(() => null);
    if (msg === null || msg.subject !== syncDlqSubject(nodeId)) continue;
    out.push(DlqEntrySchema.parse(JSON.parse(fromUtf8(msg.data) ?? '')));
  }
  return out;
}

describe('sync engine: DLQ and a Postgres outage', () => {
  let world: SyncWorld;
  let a: TestGateway;
  let b: TestGateway;
  let dbB: TestDatabase;
  let poolB: Pool;
  let proxy: TcpProxy;

  beforeAll(async () => {
    world = await startSyncWorld();
    dbB = await createTestDatabase();
    const target = new URL(dbB.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || '5432'));
    poolB = new Pool({
      connectionString: viaProxy(dbB.url, proxy),
      max: 4,
      connectionTimeoutMillis: 1_000,
    });
    poolB.on('error', () => undefined);
    a = await startTestGateway(world, makeNode(world, 'node-a'), {
      scopes: new Map([['node-x', { allowedSenderAgentIds: [], allowedNamespaces: ['ok/**'] }]]),
    });
    b = await startTestGateway(world, makeNode(world, 'node-b'), { pool: poolB });
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await poolB?.end();
    await proxy?.close();
    await dbB?.drop();
    await world?.close();
  });

  it('dead-letters records that can never apply, with their class', async () => {
    const x = makeNode(world, 'node-x');
    const js = world.bus.js;
    const publish = (body: Uint8Array, msgId: string, signer = x.signer) =>
      publishSigned(js, { subject: syncRecordSubject('node-x'), body, signer, msgId });
    const invalid = { id: 'bad id', namespace: 'ok/a', title: 't', content: 'c', updated_at: 'x' };
    await publish(utf8(canonicalJson(invalid)), 'node-x:bad:1');
    await publish(
      utf8(canonicalJson(memory('scope-1', '2026-01-01T00:00:00Z', 'c', 'secret/a'))),
      'node-x:s:1',
    );
    const other = makeNode(world, 'node-y');
    await publish(
      utf8(canonicalJson(memory('spoof-1', '2026-01-01T00:00:00Z', 'c', 'ok/a'))),
      'node-x:sp:1',
      other.signer,
    );
    await js.publish(
      syncRecordSubject('node-x'),
      utf8(canonicalJson(memory('unsigned-1', '2026-01-01T00:00:00Z', 'c', 'ok/a'))),
    );
    await publish(
      utf8(canonicalJson(memory('good-1', '2026-01-01T00:00:00Z', 'c', 'ok/a'))),
      'node-x:g:1',
    );

    expect(await eventually(async () => (await dlqEntries(world, 'node-a')).length >= 4)).toBe(
      true,
    );
    const entries = await dlqEntries(world, 'node-a');
    const classes = entries.map((e) => `${e.class}:${e.record_id ?? ''}`).sort();
    expect(classes).toEqual([
      'invalid:bad id',
      'out_of_scope:scope-1',
      'unauthenticated:',
      'unauthenticated:',
    ]);
    expect(entries.every((e) => e.origin === 'node-x' && e.node_id === 'node-a')).toBe(true);
    expect(
      await eventually(async () => (await digest(world, 'node-a')).some((r) => r.id === 'good-1')),
    ).toBe(true);
    const ids = (await digest(world, 'node-a')).map((r) => r.id);
    expect(ids).not.toContain('scope-1');
    expect(ids).not.toContain('spoof-1');
    expect(ids).not.toContain('unsigned-1');
  });

  it('pauses on a Postgres outage, dead-letters nothing and loses nothing', async () => {
    const dlqBefore = (await dlqEntries(world, 'node-b')).length;
    proxy.block();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const batch = Array.from({ length: 50 }, (_, j) =>
          memory(`pg-${String(i)}-${String(j)}`, '2026-04-01T00:00:00Z'),
        );
        ids.push(...batch.map((m) => m.id));
        await a.engine.push(pushBody('client', batch) as never, sender);
      }
      expect(await eventually(() => Promise.resolve(!b.receiver.healthy()), 10_000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      expect(b.receiver.healthy()).toBe(false);
      proxy.unblock();
      expect(
        await eventually(async () => {
          const rows = await digest(world, 'node-b', poolB).catch(() => []);
          return ids.every((id) => rows.some((r) => r.id === id));
        }, 25_000),
      ).toBe(true);
      expect(b.receiver.healthy()).toBe(true);
      expect((await dlqEntries(world, 'node-b')).length).toBe(dlqBefore);
      const rows = await digest(world, 'node-b', poolB);
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    } finally {
      proxy.unblock();
    }
  }, 58_000);
});
