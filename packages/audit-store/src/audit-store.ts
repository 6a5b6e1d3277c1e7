import type { AuditHead } from './audit-head.js';
import type { NewAuditEvent } from './audit-event.js';
import { appendEvents, type AppendResult } from './append-events.js';
import {
  checkpointAt,
  getHead,
  latestCheckpoint,
  recordCheckpoint,
  type CheckpointRecord,
  type RecordCheckpointResult,
  type StoredCheckpoint,
} from './checkpoints.js';
import type { Connectable } from './queryable.js';
import { readEvents, type ReadEventsQuery, type StoredAuditEvent } from './read-events.js';
import {
  verifyStoredChain,
  type VerifyStoredChainOptions,
  type VerifyStoredChainResult,
} from './verify-chain.js';

/**
 * The audit store port (house-style §2.9) the auditor and the CLI depend on; `@fedplane/testkit`
 * may provide an in-memory implementation with the same contract.
 */
export type AuditStore = {
  /** Appends a batch in one transaction (see `appendEvents`). */
  append(events: readonly NewAuditEvent[]): Promise<AppendResult>;
  /** The chain's head (`{size: 0, head: 64 zeros}` when empty). */
  head(): Promise<AuditHead>;
  /** Walks and checks the stored chain in pages (see `verifyStoredChain`). */
  verify(options?: VerifyStoredChainOptions): Promise<VerifyStoredChainResult>;
  /** Stored events after a seq, optionally of one type / actor (see `readEvents`). */
  readEvents(query: ReadEventsQuery): Promise<StoredAuditEvent[]>;
  /** Keeps a signed checkpoint (see `recordCheckpoint`). */
  recordCheckpoint(record: CheckpointRecord): Promise<RecordCheckpointResult>;
  /** The kept checkpoint with the largest size, or null. */
  latestCheckpoint(): Promise<StoredCheckpoint | null>;
  /** The kept checkpoint of exactly `size`, or null. */
  checkpointAt(size: number): Promise<StoredCheckpoint | null>;
};

/**
 * The Postgres {@link AuditStore} over `pool` (a `pg` Pool). Run `migrate(pool, {log})` once at
 * start first. The caller owns the pool and ends it.
 */
export function createPgAuditStore(pool: Connectable): AuditStore {
  return {
    append: (events) => appendEvents(pool, events),
    head: () => getHead(pool),
    verify: (options) => verifyStoredChain(pool, options),
    readEvents: (query) => readEvents(pool, query),
    recordCheckpoint: (record) => recordCheckpoint(pool, record),
    latestCheckpoint: () => latestCheckpoint(pool),
    checkpointAt: (size) => checkpointAt(pool, size),
  };
}
