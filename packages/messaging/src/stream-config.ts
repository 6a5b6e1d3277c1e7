import {
  AckPolicy,
  DiscardPolicy,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { ConsumerDeclaration, KvDeclaration, StreamDeclaration } from './streams.js';

/**
 * Declarations → JetStream configurations, and the comparison that tells `ensure.ts` whether a
 * live stream or consumer already matches (nothing to do), differs only in fields the server lets
 * us update, or differs in a field that cannot change without re-creating it (an operator's job).
 * Pure: no I/O.
 */

/** The configuration to create a stream with. */
export type WantedStream = Partial<StreamConfig> & { readonly name: string };

/** The stream configuration of a declaration (file storage, limits retention, discard old). */
export function toStreamConfig(decl: StreamDeclaration): WantedStream {
  return {
    name: decl.name,
    description: decl.description,
    subjects: [...decl.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(decl.maxAgeMs),
    duplicate_window: nanos(decl.duplicateWindowMs),
    max_msgs_per_subject: decl.maxMsgsPerSubject,
    max_msgs: -1,
    max_bytes: -1,
    num_replicas: decl.replicas,
  };
}

/** Name of the stream behind a KV bucket. */
export function kvStreamName(bucket: string): string {
  return `KV_${bucket}`;
}

/**
 * The KV-managed fields of a bucket's stream that `ensureKv` keeps in line with the declaration
 * (the rest is what `Kvm.create` sets).
 */
export function toKvStreamFields(decl: KvDeclaration): Partial<StreamConfig> {
  return {
    description: decl.description,
    max_msgs_per_subject: decl.history,
    num_replicas: decl.replicas,
  };
}

/** Result of a comparison: the fields to update, and the fields that cannot be updated. */
export type ConfigDiff = {
  readonly updatable: readonly string[];
  readonly fixed: readonly string[];
};

const STREAM_UPDATABLE = [
  'description',
  'subjects',
  'discard',
  'max_age',
  'duplicate_window',
  'max_msgs_per_subject',
  'max_msgs',
  'max_bytes',
  'num_replicas',
] as const;
const STREAM_FIXED = ['retention', 'storage'] as const;

const CONSUMER_UPDATABLE = [
  'description',
  'ack_wait',
  'max_deliver',
  'max_ack_pending',
  'backoff',
] as const;
// NATS 2.9 cannot change a consumer's filter subject or policies in place.
const CONSUMER_FIXED = ['filter_subject', 'deliver_policy', 'ack_policy', 'replay_policy'] as const;

/** Equality for config values: arrays compare as sets (subjects) or in order (backoff). */
function sameValue(key: string, want: unknown, have: unknown): boolean {
  if (Array.isArray(want) && Array.isArray(have)) {
    if (want.length !== have.length) return false;
    if (key === 'subjects') {
      const set = new Set<unknown>(have);
      return want.every((v) => set.has(v));
    }
    return want.every((v, i) => v === have[i]);
  }
  // The server omits an empty description.
  if (key === 'description') return (want ?? '') === (have ?? '');
  return want === have;
}

function diffFields<T extends object>(
  want: Partial<T>,
  have: T,
  fields: { readonly updatable: readonly string[]; readonly fixed: readonly string[] },
): ConfigDiff {
  const get = (o: object, k: string): unknown => (o as Record<string, unknown>)[k];
  const differs = (k: string): boolean =>
    get(want, k) !== undefined && !sameValue(k, get(want, k), get(have, k));
  return {
    updatable: fields.updatable.filter(differs),
    fixed: fields.fixed.filter(differs),
  };
}

/** How the live stream `have` differs from `want` (only fields `want` sets are compared). */
export function diffStreamConfig(want: Partial<StreamConfig>, have: StreamConfig): ConfigDiff {
  return diffFields(want, have, { updatable: STREAM_UPDATABLE, fixed: STREAM_FIXED });
}

/** The configuration to create a durable consumer with (explicit ack, instant replay). */
export function toConsumerConfig(decl: ConsumerDeclaration): Partial<ConsumerConfig> {
  const backoff = decl.backoffMs;
  return {
    durable_name: decl.name,
    description: decl.description,
    filter_subject: decl.filterSubject,
    deliver_policy: decl.start,
    ack_policy: AckPolicy.Explicit,
    replay_policy: ReplayPolicy.Instant,
    // With a backoff the server takes the first delay as the ack wait; say so, so that the
    // comparison below sees no difference.
    ack_wait: nanos(backoff?.[0] ?? decl.ackWaitMs),
    max_deliver: decl.maxDeliver,
    max_ack_pending: decl.maxAckPending,
    ...(backoff === undefined ? {} : { backoff: backoff.map((ms) => nanos(ms)) }),
  };
}

/** How the live consumer `have` differs from `want` (only fields `want` sets are compared). */
export function diffConsumerConfig(
  want: Partial<ConsumerConfig>,
  have: ConsumerConfig,
): ConfigDiff {
  return diffFields(want, have, { updatable: CONSUMER_UPDATABLE, fixed: CONSUMER_FIXED });
}

/** The subset of `config` named by `fields`. */
export function pickFields<T extends object>(config: T, fields: readonly string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const key of fields) out[key] = (config as Record<string, unknown>)[key];
  return out as Partial<T>;
}
