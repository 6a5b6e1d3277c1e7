import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@fedplane/core';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import {
  StreamName,
  auditorConsumer,
  ensureConsumer,
  ensureKv,
  ensureStreams,
  fedBuckets,
  fedStreams,
  syncConsumer,
} from '@fedplane/messaging';
import {
  connectNats,
  startNatsServer,
  type NatsConnection,
  type NatsServerHandle,
} from '@fedplane/testkit';

let server: NatsServerHandle;
const connections: NatsConnection[] = [];

async function manager(): Promise<JetStreamManager> {
  const nc = await connectNats(server.url);
  connections.push(nc);
  return jetstreamManager(nc);
}

beforeAll(async () => {
  server = await startNatsServer({ useNatsUrl: false });
});
afterAll(async () => {
  await Promise.allSettled(connections.map((nc) => nc.close()));
  await server.stop();
});

describe('ensure streams, buckets and consumers', () => {
  it('two instances starting together both succeed; a later start is a no-op', async () => {
    const [a, b] = await Promise.all([manager(), manager()]);
    const streams = fedStreams();
    const buckets = fedBuckets();
    const [ra, rb] = await Promise.all([
      ensureStreams(a, streams).then(async (s) => [...s, ...(await ensureKv(a, buckets))]),
      ensureStreams(b, streams).then(async (s) => [...s, ...(await ensureKv(b, buckets))]),
    ]);
    expect(ra).toHaveLength(10);
    expect(rb).toHaveLength(10);
    for (const r of [...ra, ...rb]) expect(['created', 'unchanged']).toContain(r.action);

    const again = [...(await ensureStreams(a, streams)), ...(await ensureKv(a, buckets))];
    expect(again.map((r) => r.action)).toEqual(Array(10).fill('unchanged'));

    const events = await a.streams.info(StreamName.events);
    expect(events.config.subjects).toEqual(['fed.evt.>']);
    expect(events.config.duplicate_window).toBe(nanos(10 * 60_000));
    expect(events.config.max_age).toBe(nanos(30 * 24 * 3600_000));
    expect(events.config.storage).toBe('file');
    const status = await a.streams.info(StreamName.status);
    expect(status.config.max_msgs_per_subject).toBe(1);
    expect(status.config.max_age).toBe(nanos(10 * 60_000));
    const leases = await a.streams.info('KV_fed-leases');
    expect(leases.config.max_msgs_per_subject).toBe(1);
  });

  it('instances racing with different updatable configs all succeed', async () => {
    const managers = await Promise.all([manager(), manager(), manager(), manager()]);
    const [first] = managers;
    for (let round = 0; round < 3; round++) {
      const name = `RACE_${round}` as never;
      const results = await Promise.all(
        managers.map((jsm, i) =>
          ensureStreams(jsm, [
            {
              ...fedStreams()[4]!,
              name,
              subjects: [`race.${round}`],
              maxAgeMs: (i + 1) * 3_600_000,
            },
          ]),
        ),
      );
      for (const [r] of results) expect(['created', 'updated', 'unchanged']).toContain(r?.action);
      const live = await first.streams.info(name);
      expect([1, 2, 3, 4].map((h) => nanos(h * 3_600_000))).toContain(live.config.max_age);
    }
  });

  it('updates a stream whose updatable config differs, then is a no-op', async () => {
    const jsm = await manager();
    const shorter = fedStreams({ eventsMaxAgeMs: 24 * 3600_000 });
    const reports = await ensureStreams(jsm, shorter);
    expect(reports[0]).toEqual({
      kind: 'stream',
      name: 'FED_EVENTS',
      action: 'updated',
      fields: ['max_age'],
    });
    expect((await jsm.streams.info('FED_EVENTS')).config.max_age).toBe(nanos(24 * 3600_000));
    expect((await ensureStreams(jsm, shorter))[0]?.action).toBe('unchanged');
  });

  it('updates a bucket whose history differs', async () => {
    const jsm = await manager();
    const buckets = fedBuckets().map((b) => (b.bucket === 'fed-trust' ? { ...b, history: 7 } : b));
    const reports = await ensureKv(jsm, buckets);
    expect(reports.find((r) => r.name === 'fed-trust')).toMatchObject({ action: 'updated' });
    expect((await jsm.streams.info('KV_fed-trust')).config.max_msgs_per_subject).toBe(7);
  });

  it('refuses a fixed-field difference with CONFLICT', async () => {
    const jsm = await manager();
    await jsm.streams.add({ name: 'FED_SYNC_DLQ_X', subjects: ['x.dlq.>'], storage: 'memory' });
    const decl = { ...fedStreams()[3]!, name: 'FED_SYNC_DLQ_X' as never, subjects: ['x.dlq.>'] };
    const err = await ensureStreams(jsm, [decl]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'CONFLICT', details: { fields: ['storage'] } });
  });

  it('consumers: concurrent ensure succeeds, repeat is unchanged, changes update', async () => {
    const [a, b] = await Promise.all([manager(), manager()]);
    const decl = auditorConsumer();
    const both = await Promise.all([ensureConsumer(a, decl), ensureConsumer(b, decl)]);
    for (const r of both) expect(['created', 'unchanged']).toContain(r.action);
    expect((await ensureConsumer(a, decl)).action).toBe('unchanged');
    const info = await a.consumers.info('FED_EVENTS', 'auditor');
    expect(info.config.ack_policy).toBe('explicit');
    expect(info.config.filter_subject).toBe('fed.evt.>');

    const changed = await ensureConsumer(a, { ...decl, maxAckPending: 2_000 });
    expect(changed).toMatchObject({ action: 'updated', fields: ['max_ack_pending'] });

    const moved = await ensureConsumer(a, { ...decl, filterSubject: 'fed.evt.audit.>' }).catch(
      (e: unknown) => e,
    );
    expect(moved).toMatchObject({ code: 'CONFLICT', details: { fields: ['filter_subject'] } });
  });

  it('per-node sync consumer with backoff is created once and then unchanged', async () => {
    const jsm = await manager();
    const decl = syncConsumer('region/nyc/node-1');
    expect(decl.name).toMatch(/^sync-[0-9a-f]{16}$/);
    expect((await ensureConsumer(jsm, decl)).action).toBe('created');
    expect((await ensureConsumer(jsm, decl)).action).toBe('unchanged');
    const info = await jsm.consumers.info('FED_SYNC', decl.name);
    expect(info.config.description).toContain('region/nyc/node-1');
    expect(info.config.backoff).toHaveLength(5);
  });
});
