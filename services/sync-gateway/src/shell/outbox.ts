import { validateSyncRecord, type ValidatedRecord } from '@fedplane/core';
import {
  publishSigned,
  syncRecordSubject,
  type CredentialSigner,
  type Log,
} from '@fedplane/messaging';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Pool } from 'pg';
import {
  markPublished,
  readUnpublished,
  type PublishedVersion,
  type UnpublishedRow,
} from '../adapters/pg-replica.js';
import { recordMsgId, toVersion } from '../core/record-version.js';

/**
 * The replica as an outbox (sync.md, Write path step 3): a local write is committed BEFORE it is
 * published, so a publish that fails (stream down, process killed in between) must not leave the
 * record on this node only. Rows written through this node whose stream sequence is unknown
 * (`origin = node_id AND stream_seq IS NULL`) are re-published by a background loop — at start
 * (everything) and then every `intervalMs` (rows older than `graceMs`, so pushes in flight are
 * left to their own publish). Re-publishing is idempotent: same bytes, same `Nats-Msg-Id`
 * (JetStream answers a duplicate with the original sequence) and the conflict rule on every
 * replica. A stream ack takes the row out of the outbox (`stream_seq` set, batched).
 */

/** How long stream acks are collected before one UPDATE records them. */
const MARK_DELAY_MS = 50;

/** Options of {@link startOutbox}. */
export type OutboxOptions = {
  readonly nodeId: string;
  readonly pool: Pool;
  readonly js: JetStreamClient;
  readonly signer: CredentialSigner;
  readonly intervalMs: number;
  readonly graceMs: number;
  readonly log: Log;
  /** Rows re-published per round trip (default 500). */
  readonly pageSize?: number;
};

/** A running outbox loop. */
export type Outbox = {
  /** Records stream acks of published versions (written to the replica in batches). */
  published(versions: readonly PublishedVersion[]): void;
  /** Re-publishes every outbox row older than `olderThanMs` now; resolves with the count. */
  drain(olderThanMs: number): Promise<number>;
  /** Rows re-published since start. */
  republished(): number;
  stop(): Promise<void>;
};

function versionOf(row: UnpublishedRow, nodeId: string) {
  const checked = validateSyncRecord(row.record);
  if (!checked.ok) return undefined;
  const validated: ValidatedRecord =
    checked.kind === 'memory'
      ? { kind: 'memory', record: checked.record }
      : { kind: 'tombstone', record: checked.record };
  return toVersion(validated, nodeId);
}

/** Starts the loop (its first round runs at once). */
export function startOutbox(options: OutboxOptions): Outbox {
  const { nodeId, pool, log } = options;
  const pageSize = options.pageSize ?? 500;
  const marks: PublishedVersion[] = [];
  let marking: Promise<void> | undefined;
  let republished = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<unknown> = Promise.resolve();

  const flushMarks = async (): Promise<void> => {
    while (marks.length > 0) {
      const batch = marks.splice(0, 5_000);
      // A lost mark only means one more idempotent re-publish later.
      await markPublished(pool, nodeId, batch).catch((err: unknown) =>
        log.debug({ err }, 'outbox marks not written'),
      );
    }
  };

  const published = (versions: readonly PublishedVersion[]): void => {
    marks.push(...versions);
    // Coalesced over MARK_DELAY_MS: one UPDATE for many pushes, off the push's critical path.
    marking ??= new Promise<void>((resolve) => setTimeout(resolve, MARK_DELAY_MS))
      .then(flushMarks)
      .finally(() => {
        marking = undefined;
      });
  };

  const drain = async (olderThanMs: number): Promise<number> => {
    let count = 0;
    let last = '';
    while (!stopped) {
      const rows = await readUnpublished(pool, nodeId, { olderThanMs, limit: pageSize });
      if (rows.length === 0) break;
      const acks: PublishedVersion[] = [];
      await Promise.all(
        rows.map(async (row) => {
          const version = versionOf(row, nodeId);
          if (version === undefined) {
            log.error({ record_id: row.id }, 'outbox row is not a valid record');
            return;
          }
          const ack = await publishSigned(options.js, {
            subject: syncRecordSubject(nodeId),
            body: version.bytes,
            signer: options.signer,
            msgId: recordMsgId(version),
          });
          acks.push({ id: row.id, contentHash: row.content_hash, seq: ack.seq });
        }),
      );
      await markPublished(pool, nodeId, acks);
      count += acks.length;
      republished += acks.length;
      const key = rows.map((row) => `${row.id}:${row.content_hash}`).join(',');
      // Rows that cannot be published (invalid) would be read again forever: stop this round.
      if (acks.length < rows.length || key === last) break;
      last = key;
    }
    if (count > 0) log.info({ records: count }, 'outbox records re-published');
    return count;
  };

  const schedule = (delayMs: number, olderThanMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = drain(olderThanMs)
        .catch((err: unknown) => log.warn({ err }, 'outbox round failed, retrying'))
        .finally(() => schedule(options.intervalMs, options.graceMs));
    }, delayMs);
  };
  schedule(0, 0);

  return {
    published,
    drain,
    republished: () => republished,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await round.catch(() => undefined);
      await marking;
    },
  };
}
