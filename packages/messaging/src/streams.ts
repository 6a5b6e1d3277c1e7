import { durableName } from '@fedplane/core';
import { SubjectFilter } from './subjects.js';

/**
 * JetStream streams, KV buckets and durable consumers of bus.md, declared as plain data
 * (durations in milliseconds). `ensure.ts` applies them idempotently at service start.
 * Everything is file storage, limits retention, discard old.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Stream names (bus.md, Streams). */
export const StreamName = {
  events: 'FED_EVENTS',
  status: 'FED_STATUS',
  sync: 'FED_SYNC',
  syncDlq: 'FED_SYNC_DLQ',
  checkpoints: 'FED_CHECKPOINTS',
} as const;
/** One of the stream names. */
export type StreamName = (typeof StreamName)[keyof typeof StreamName];

/** KV bucket names (bus.md, KV buckets). */
export const BucketName = {
  trust: 'fed-trust',
  enforcement: 'fed-enforcement',
  inventory: 'fed-inventory',
  leases: 'fed-leases',
  audit: 'fed-audit',
} as const;
/** One of the bucket names. */
export type BucketName = (typeof BucketName)[keyof typeof BucketName];

/**
 * The reconciler's own KV bucket: its action journal and last pass (history 1), created and used
 * by the reconciler alone (services/reconciler/src/shell/journal.ts), so not one of the shared
 * buckets of {@link fedBuckets} that every service ensures.
 */
export const RECONCILER_BUCKET = 'fed-reconciler';

/** Fixed KV keys (bus.md); leases use the role as key (see `leaseKey`). */
export const KvKey = {
  /** `fed-trust`: the trust bundle JSON. */
  bundle: 'bundle',
  /** `fed-enforcement`: the signed posture envelope. */
  posture: 'posture',
  /** `fed-inventory`: the validated inventory. */
  desired: 'desired',
  /** `fed-audit`: the latest signed checkpoint. */
  checkpoint: 'checkpoint',
} as const;
/** One of the fixed KV keys. */
export type KvKey = (typeof KvKey)[keyof typeof KvKey];

/** Default `max_age` of `FED_EVENTS` (30 days). */
export const DEFAULT_EVENTS_MAX_AGE_MS = 30 * DAY_MS;
/** Default `max_age` of `FED_SYNC` (7 days). */
export const DEFAULT_SYNC_MAX_AGE_MS = 7 * DAY_MS;
/** Deduplication window of the streams that take `Nats-Msg-Id` retries (10 minutes). */
export const DUPLICATE_WINDOW_MS = 10 * MINUTE_MS;

/** A stream, as data. `replicas` is 1 on one server, 3 (or 5) on a cluster. */
export type StreamDeclaration = {
  readonly name: StreamName;
  readonly description: string;
  readonly subjects: readonly string[];
  readonly maxAgeMs: number;
  readonly duplicateWindowMs: number;
  /** Messages kept per subject; -1 for unlimited. */
  readonly maxMsgsPerSubject: number;
  readonly replicas: number;
};

/** Options of {@link fedStreams}. */
export type FedStreamOptions = {
  /** Replicas of every stream (default 1; 3 for a cluster). */
  readonly replicas?: number;
  /** `FED_EVENTS` max age (default {@link DEFAULT_EVENTS_MAX_AGE_MS}). */
  readonly eventsMaxAgeMs?: number;
  /** `FED_SYNC` max age (default {@link DEFAULT_SYNC_MAX_AGE_MS}). */
  readonly syncMaxAgeMs?: number;
};

function checkReplicas(replicas: number): number {
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
    throw new RangeError(`replicas must be an integer in 1..5, got ${replicas}`);
  }
  return replicas;
}

function checkAge(name: string, ms: number): number {
  if (!Number.isInteger(ms) || ms < DUPLICATE_WINDOW_MS) {
    throw new RangeError(`${name} must be an integer of at least ${DUPLICATE_WINDOW_MS} ms`);
  }
  return ms;
}

/**
 * The five streams of bus.md. Throws `RangeError` on out-of-range options (a configuration bug:
 * replicas outside 1..5, an age shorter than the duplicate window).
 */
export function fedStreams(options: FedStreamOptions = {}): readonly StreamDeclaration[] {
  const replicas = checkReplicas(options.replicas ?? 1);
  const eventsMaxAgeMs = checkAge(
    'eventsMaxAgeMs',
    options.eventsMaxAgeMs ?? DEFAULT_EVENTS_MAX_AGE_MS,
  );
  const syncMaxAgeMs = checkAge('syncMaxAgeMs', options.syncMaxAgeMs ?? DEFAULT_SYNC_MAX_AGE_MS);
  return [
    {
      name: StreamName.events,
      description: 'every domain event; the auditor input',
      subjects: [SubjectFilter.events],
      maxAgeMs: eventsMaxAgeMs,
      duplicateWindowMs: DUPLICATE_WINDOW_MS,
      maxMsgsPerSubject: -1,
      replicas,
    },
    {
      name: StreamName.status,
      description: 'latest signed status of each node and service instance',
      subjects: [SubjectFilter.status],
      maxAgeMs: 10 * MINUTE_MS,
      duplicateWindowMs: 2 * MINUTE_MS,
      maxMsgsPerSubject: 1,
      replicas,
    },
    {
      name: StreamName.sync,
      description: 'replicated records, one subject per origin node',
      subjects: [SubjectFilter.syncRecords],
      maxAgeMs: syncMaxAgeMs,
      duplicateWindowMs: DUPLICATE_WINDOW_MS,
      maxMsgsPerSubject: -1,
      replicas,
    },
    {
      name: StreamName.syncDlq,
      description: 'records a node could not apply, with the reason',
      subjects: [SubjectFilter.syncDlq],
      maxAgeMs: 30 * DAY_MS,
      duplicateWindowMs: DUPLICATE_WINDOW_MS,
      maxMsgsPerSubject: -1,
      replicas,
    },
    {
      name: StreamName.checkpoints,
      description: 'every signed audit checkpoint, for witnesses',
      subjects: [SubjectFilter.auditCheckpoints],
      maxAgeMs: 365 * DAY_MS,
      duplicateWindowMs: DUPLICATE_WINDOW_MS,
      maxMsgsPerSubject: -1,
      replicas,
    },
  ];
}

/**
 * The streams the sync-gateways own (`FED_SYNC`, `FED_SYNC_DLQ`): the only ones a gateway ensures
 * at start and may create or update. The control-plane services ensure all five.
 */
export const SYNC_STREAMS: readonly StreamName[] = [StreamName.sync, StreamName.syncDlq];

/** {@link fedStreams} narrowed to {@link SYNC_STREAMS}. */
export function syncStreams(options: FedStreamOptions = {}): readonly StreamDeclaration[] {
  return fedStreams(options).filter((s) => SYNC_STREAMS.includes(s.name));
}

/** A KV bucket, as data. */
export type KvDeclaration = {
  readonly bucket: BucketName;
  readonly description: string;
  /** Values kept per key (1..64). */
  readonly history: number;
  readonly replicas: number;
};

/** The five buckets of bus.md. `replicas` as for streams (default 1). */
export function fedBuckets(options: { readonly replicas?: number } = {}): readonly KvDeclaration[] {
  const replicas = checkReplicas(options.replicas ?? 1);
  return [
    { bucket: BucketName.trust, description: 'trust bundle (key bundle)', history: 5, replicas },
    {
      bucket: BucketName.enforcement,
      description: 'signed posture envelope (key posture)',
      history: 5,
      replicas,
    },
    {
      bucket: BucketName.inventory,
      description: 'validated inventory (key desired)',
      history: 5,
      replicas,
    },
    { bucket: BucketName.leases, description: 'leader leases (key = role)', history: 1, replicas },
    {
      bucket: BucketName.audit,
      description: 'latest signed audit checkpoint (key checkpoint)',
      history: 5,
      replicas,
    },
  ];
}

/** Where a new durable consumer starts. */
export const ConsumerStart = {
  all: 'all',
  new: 'new',
  lastPerSubject: 'last_per_subject',
} as const;
/** One of the start policies. */
export type ConsumerStart = (typeof ConsumerStart)[keyof typeof ConsumerStart];

/** A durable pull consumer with explicit ack, as data. */
export type ConsumerDeclaration = {
  readonly stream: StreamName;
  /** Durable name: no `.`, `*`, `>` or `/` (per-node names come from core `durableName`). */
  readonly name: string;
  readonly description: string;
  readonly filterSubject: string;
  readonly start: ConsumerStart;
  readonly ackWaitMs: number;
  /** Deliveries before the server gives up; -1 for unlimited. */
  readonly maxDeliver: number;
  readonly maxAckPending: number;
  /**
   * Redelivery delays; when set, `maxDeliver` must be larger than its length (NATS 2.9 refuses
   * -1 with a backoff) and the server uses the first delay as the ack wait.
   */
  readonly backoffMs?: readonly number[];
};

/** Durable name of the auditor's consumer on `FED_EVENTS`. */
export const AUDITOR_CONSUMER = 'auditor';

/**
 * The auditor's consumer (audit.md): every event from the start of `FED_EVENTS`, explicit ack,
 * unlimited redelivery (evidence is never dropped), room for several 500-event batches in flight.
 */
export function auditorConsumer(): ConsumerDeclaration {
  return {
    stream: StreamName.events,
    name: AUDITOR_CONSUMER,
    description: 'auditor: every event into the audit chain',
    filterSubject: SubjectFilter.events,
    start: ConsumerStart.all,
    ackWaitMs: 30_000,
    maxDeliver: -1,
    maxAckPending: 10_000,
  };
}

/** Redelivery backoff of a sync-gateway consumer (the last delay repeats). */
export const SYNC_BACKOFF_MS: readonly number[] = [5_000, 15_000, 30_000, 60_000, 120_000];
/**
 * Deliveries of one record before a sync consumer gives up: at 2 minutes apart this outlasts the
 * stream's 7-day retention, so in practice a record is retried until it applies or ages out
 * (NATS 2.9 refuses an unlimited `max_deliver` with a backoff).
 */
export const SYNC_MAX_DELIVER = 100_000;

/**
 * A sync-gateway's consumer on `FED_SYNC` (sync.md, Receive path): named
 * `sync-<16 hex of SHA-256(node id)>`, the node id in the description, every origin's records,
 * explicit ack with backoff ({@link SYNC_BACKOFF_MS}). The caller validates `nodeId` (it is hashed, never put in a subject).
 */
export function syncConsumer(nodeId: string): ConsumerDeclaration {
  return {
    stream: StreamName.sync,
    name: durableName('sync', nodeId),
    description: `sync-gateway of ${nodeId}`,
    filterSubject: SubjectFilter.syncRecords,
    start: ConsumerStart.all,
    ackWaitMs: SYNC_BACKOFF_MS[0] ?? 5_000,
    maxDeliver: SYNC_MAX_DELIVER,
    maxAckPending: 1_000,
    backoffMs: SYNC_BACKOFF_MS,
  };
}
