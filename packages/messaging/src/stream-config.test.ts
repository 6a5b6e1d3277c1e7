import { describe, expect, it } from 'vitest';
import type { ConsumerConfig, StreamConfig } from '@nats-io/jetstream';
import {
  diffConsumerConfig,
  diffStreamConfig,
  kvStreamName,
  pickFields,
  toConsumerConfig,
  toKvStreamFields,
  toStreamConfig,
} from './stream-config.js';
import {
  DEFAULT_EVENTS_MAX_AGE_MS,
  SYNC_BACKOFF_MS,
  auditorConsumer,
  fedBuckets,
  fedStreams,
  syncConsumer,
} from './streams.js';

const NS_PER_MS = 1_000_000;
const DAY_MS = 86_400_000;

describe('declarations', () => {
  it('streams match bus.md', () => {
    const streams = fedStreams();
    expect(
      streams.map((s) => [
        s.name,
        s.subjects,
        s.maxAgeMs,
        s.duplicateWindowMs,
        s.maxMsgsPerSubject,
      ]),
    ).toEqual([
      ['FED_EVENTS', ['fed.evt.>'], 30 * DAY_MS, 600_000, -1],
      ['FED_STATUS', ['fed.status.>'], 600_000, 120_000, 1],
      ['FED_SYNC', ['fed.sync.rec.>'], 7 * DAY_MS, 600_000, -1],
      ['FED_SYNC_DLQ', ['fed.sync.dlq.>'], 30 * DAY_MS, 600_000, -1],
      ['FED_CHECKPOINTS', ['fed.audit.checkpoint'], 365 * DAY_MS, 600_000, -1],
    ]);
    expect(streams.every((s) => s.replicas === 1)).toBe(true);
  });

  it('options set replicas and the configurable ages', () => {
    const streams = fedStreams({ replicas: 3, eventsMaxAgeMs: DAY_MS, syncMaxAgeMs: 2 * DAY_MS });
    expect(streams.every((s) => s.replicas === 3)).toBe(true);
    expect(streams[0]?.maxAgeMs).toBe(DAY_MS);
    expect(streams[2]?.maxAgeMs).toBe(2 * DAY_MS);
    expect(fedBuckets({ replicas: 3 }).every((b) => b.replicas === 3)).toBe(true);
  });

  it('refuses out-of-range options', () => {
    for (const replicas of [0, 6, 1.5]) {
      expect(() => fedStreams({ replicas })).toThrow(RangeError);
      expect(() => fedBuckets({ replicas })).toThrow(RangeError);
    }
    expect(() => fedStreams({ eventsMaxAgeMs: 1_000 })).toThrow(RangeError);
    expect(() => fedStreams({ syncMaxAgeMs: 0.5 })).toThrow(RangeError);
  });

  it('buckets match bus.md', () => {
    expect(fedBuckets().map((b) => b.bucket)).toEqual([
      'fed-trust',
      'fed-enforcement',
      'fed-inventory',
      'fed-leases',
      'fed-audit',
    ]);
    expect(kvStreamName('fed-leases')).toBe('KV_fed-leases');
  });

  it('consumers: auditor and per-node sync', () => {
    expect(auditorConsumer()).toMatchObject({
      stream: 'FED_EVENTS',
      name: 'auditor',
      filterSubject: 'fed.evt.>',
      maxDeliver: -1,
    });
    const sync = syncConsumer('host:a.b');
    expect(sync.name).toMatch(/^sync-[0-9a-f]{16}$/);
    expect(sync.name).toBe(syncConsumer('host:a.b').name);
    expect(sync.name).not.toBe(syncConsumer('host:a.c').name);
    expect(sync.description).toContain('host:a.b');
    expect(sync.maxDeliver).toBeGreaterThan(SYNC_BACKOFF_MS.length);
  });
});

describe('configs', () => {
  it('stream config in nanoseconds, file storage, limits', () => {
    const config = toStreamConfig(fedStreams()[0]!);
    expect(config).toMatchObject({
      name: 'FED_EVENTS',
      subjects: ['fed.evt.>'],
      retention: 'limits',
      storage: 'file',
      discard: 'old',
      max_age: DEFAULT_EVENTS_MAX_AGE_MS * NS_PER_MS,
      duplicate_window: 600_000 * NS_PER_MS,
      num_replicas: 1,
    });
    expect(toKvStreamFields(fedBuckets()[3]!)).toEqual({
      description: 'leader leases (key = role)',
      max_msgs_per_subject: 1,
      num_replicas: 1,
    });
  });

  it('consumer config: explicit ack; a backoff sets the ack wait to its first delay', () => {
    expect(toConsumerConfig(auditorConsumer())).toMatchObject({
      durable_name: 'auditor',
      ack_policy: 'explicit',
      deliver_policy: 'all',
      ack_wait: 30_000 * NS_PER_MS,
      max_deliver: -1,
    });
    expect(toConsumerConfig(auditorConsumer())).not.toHaveProperty('backoff');
    const sync = toConsumerConfig(syncConsumer('n-1'));
    expect(sync.ack_wait).toBe(SYNC_BACKOFF_MS[0]! * NS_PER_MS);
    expect(sync.backoff).toEqual(SYNC_BACKOFF_MS.map((ms) => ms * NS_PER_MS));
  });
});

describe('diffs', () => {
  const want = toStreamConfig(fedStreams()[0]!);
  const live = { ...want, subjects: ['fed.evt.>'], sealed: false } as StreamConfig;

  it('no difference → nothing to do', () => {
    expect(diffStreamConfig(want, live)).toEqual({ updatable: [], fixed: [] });
  });

  it('an absent description equals an empty one', () => {
    const noDescription = { ...live } as Partial<StreamConfig>;
    delete noDescription.description;
    expect(diffStreamConfig({ ...want, description: '' }, noDescription as StreamConfig)).toEqual({
      updatable: [],
      fixed: [],
    });
  });

  it('subjects compare as sets', () => {
    const two = { ...want, subjects: ['a.>', 'b.>'] };
    expect(diffStreamConfig(two, { ...live, subjects: ['b.>', 'a.>'] }).updatable).toEqual([]);
    expect(diffStreamConfig(two, { ...live, subjects: ['a.>', 'c.>'] }).updatable).toEqual([
      'subjects',
    ]);
    expect(diffStreamConfig(two, { ...live, subjects: ['a.>'] }).updatable).toEqual(['subjects']);
  });

  it('sorts differences into updatable and fixed', () => {
    const changed = {
      ...live,
      max_age: 1,
      num_replicas: 3,
      storage: 'memory',
      retention: 'interest',
    };
    expect(diffStreamConfig(want, changed as StreamConfig)).toEqual({
      updatable: ['max_age', 'num_replicas'],
      fixed: ['retention', 'storage'],
    });
  });

  it('consumer differences; backoff compares in order', () => {
    const wantC = toConsumerConfig(syncConsumer('n-1'));
    const liveC = { ...wantC } as ConsumerConfig;
    expect(diffConsumerConfig(wantC, liveC)).toEqual({ updatable: [], fixed: [] });
    const reversed = { ...liveC, backoff: [...(wantC.backoff ?? [])].reverse() };
    expect(diffConsumerConfig(wantC, reversed).updatable).toEqual(['backoff']);
    const moved = { ...liveC, filter_subject: 'x', deliver_policy: 'new', max_ack_pending: 1 };
    expect(diffConsumerConfig(wantC, moved as ConsumerConfig)).toEqual({
      updatable: ['max_ack_pending'],
      fixed: ['filter_subject', 'deliver_policy'],
    });
  });

  it('pickFields keeps only the named fields', () => {
    expect(pickFields({ a: 1, b: 2, c: 3 }, ['a', 'c'])).toEqual({ a: 1, c: 3 });
  });
});
