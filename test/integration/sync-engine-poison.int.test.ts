import { utf8 } from '@fedplane/core';
import { publishSigned, StreamName, syncConsumer, syncRecordSubject } from '@fedplane/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../services/sync-gateway/src/core/canonical-json.js';
import {
  digest,
  eventually,
  makeNode,
  memory,
  pushBody,
  readDlq,
  startSyncWorld,
  startTestGateway,
  type SyncWorld,
  type TestGateway,
} from './sync-fixtures.js';

const sender = { peerId: 'client', verified: true };

describe('sync engine: records the store refuses are poison, not an outage', () => {
  let world: SyncWorld;
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    world = await startSyncWorld();
    a = await startTestGateway(world, makeNode(world, 'node-a'));
    b = await startTestGateway(world, makeNode(world, 'node-b'));
    // node-b's store refuses one id (SQLSTATE 23514), as it would refuse any bad datum.
    await world.pool.query(
      `ALTER TABLE sync_records ADD CONSTRAINT test_refuse_evil
       CHECK (node_id <> 'node-b' OR id NOT LIKE 'evil-%')`,
    );
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await world?.close();
  });

  it('refuses a push carrying U+0000 with 400 issues and changes nothing', async () => {
    // A carried field (not one the reference validation knows).
    const bad = { ...memory('nul-1', '2026-01-01T00:00:00Z'), x: { k: ['ok', 'a\u0000'] } };
    const outcome = await a.engine.push(
      pushBody('client', [memory('fine-0', '2026-01-01T00:00:00Z'), bad]) as never,
      sender,
    );
    expect(outcome.kind).toBe('invalid');
    if (outcome.kind !== 'invalid') return;
    expect(outcome.issues.map((i) => i.path)).toEqual(['memories.1.x.k.1']);
    const ids = (await digest(world, 'node-a')).map((r) => r.id);
    expect(ids).not.toContain('fine-0');
    expect(ids).not.toContain('nul-1');
  });

  it('dead-letters a received U+0000 record as invalid and keeps consuming', async () => {
    const x = makeNode(world, 'node-x');
    const bad = { ...memory('nul-2', '2026-01-01T00:00:00Z'), carried: 'a\u0000b' };
    await publishSigned(world.bus.js, {
      subject: syncRecordSubject('node-x'),
      body: utf8(canonicalJson(bad)),
      signer: x.signer,
      msgId: 'node-x:nul-2:1',
    });
    await publishSigned(world.bus.js, {
      subject: syncRecordSubject('node-x'),
      body: utf8(canonicalJson(memory('after-nul', '2026-01-01T00:00:00Z'))),
      signer: x.signer,
      msgId: 'node-x:after-nul:1',
    });
    expect(
      await eventually(async () =>
        (await digest(world, 'node-b')).some((r) => r.id === 'after-nul'),
      ),
    ).toBe(true);
    const entries = await readDlq(world, 'node-b');
    expect(entries.filter((e) => e.record_id === 'nul-2').map((e) => e.class)).toEqual(['invalid']);
    expect(b.receiver.healthy()).toBe(true);
  });

  it('terminates dead-lettered records: a flood of more poison than max_ack_pending does not stall the consumer', async () => {
    const consumer = syncConsumer('node-b');
    const flood = consumer.maxAckPending + 100;
    const y = makeNode(world, 'node-y');
    await Promise.all(
      Array.from({ length: flood }, (_, i) => {
        // Valid and signed, but not canonical JSON (keys unsorted): never applies anywhere.
        const body = utf8(
          JSON.stringify({
            title: 't',
            id: `flood-${String(i)}`,
            namespace: 'team/a',
            content: 'c',
            updated_at: '2026-03-01T00:00:00Z',
          }),
        );
        return publishSigned(world.bus.js, {
          subject: syncRecordSubject('node-y'),
          body,
          signer: y.signer,
          msgId: `node-y:flood-${String(i)}:1`,
        });
      }),
    );
    await publishSigned(world.bus.js, {
      subject: syncRecordSubject('node-y'),
      body: utf8(canonicalJson(memory('after-flood', '2026-03-01T00:00:00Z'))),
      signer: y.signer,
      msgId: 'node-y:after-flood:1',
    });
    expect(
      await eventually(
        async () => (await digest(world, 'node-b')).some((r) => r.id === 'after-flood'),
        20_000,
      ),
    ).toBe(true);
    // Every poison record was terminated: none is left pending, to be redelivered forever.
    const name = consumer.name;
    expect(
      await eventually(
        async () =>
          (await world.bus.jsm.consumers.info(StreamName.sync, name)).num_ack_pending === 0,
      ),
    ).toBe(true);
    const entries = await readDlq(world, 'node-b');
    expect(entries.filter((e) => e.origin === 'node-y')).toHaveLength(flood);
  }, 60_000);

  it('a record Postgres refuses goes to the DLQ alone; its batch applies; a push of it is a 400', async () => {
    const batch = [
      memory('ok-1', '2026-02-01T00:00:00Z'),
      memory('evil-1', '2026-02-01T00:00:00Z'),
      memory('ok-2', '2026-02-01T00:00:00Z'),
    ];
    const outcome = await a.engine.push(pushBody('client', batch) as never, sender);
    expect(outcome.kind).toBe('quorum_met');
    expect(
      await eventually(async () => {
        const ids = (await digest(world, 'node-b')).map((r) => r.id);
        return ids.includes('ok-1') && ids.includes('ok-2');
      }),
    ).toBe(true);
    expect(
      await eventually(async () =>
        (await readDlq(world, 'node-b')).some((e) => e.record_id === 'evil-1'),
      ),
    ).toBe(true);
    const entry = (await readDlq(world, 'node-b')).find((e) => e.record_id === 'evil-1');
    expect(entry?.class).toBe('invalid');
    expect(entry?.detail).toContain('refused by the replica store');
    expect(b.receiver.healthy()).toBe(true);
    expect((await digest(world, 'node-b')).map((r) => r.id)).not.toContain('evil-1');

    const direct = await b.engine.push(
      pushBody('client', [memory('evil-2', '2026-02-01T00:00:00Z')]) as never,
      sender,
    );
    expect(direct.kind).toBe('invalid');
  });
});
