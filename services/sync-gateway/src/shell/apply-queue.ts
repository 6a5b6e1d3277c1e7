import { winnersById } from '../core/record-version.js';
import { isDataRefusal } from '../core/store-error.js';
import type { StoredVersion } from '../adapters/pg-replica.js';

/**
 * Group commit for the replica: concurrent callers' versions are coalesced into one multi-row
 * upsert (at most `maxRows` per statement), so N concurrent pushes cost one round trip instead of
 * N. Each caller learns which of ITS versions were written (`<id>:<content_hash>` keys). Versions
 * of the same id from different callers are reduced with the conflict rule first, so the outcome
 * equals applying them one by one in any order. When Postgres refuses a combined batch's DATA
 * (core `isDataRefusal`), each caller's versions are retried on their own, so one caller's bad
 * record never fails another caller's write.
 */

/** Writes one batch (at most one version per id); returns the written keys. */
export type ApplyBatch = (versions: readonly StoredVersion[]) => Promise<Set<string>>;

type Waiter = {
  readonly versions: readonly StoredVersion[];
  resolve(written: Set<string>): void;
  reject(err: unknown): void;
};

/** A group-commit queue. */
export type ApplyQueue = {
  /** Applies `versions` (in a batch with whatever else is waiting); resolves with written keys. */
  apply(versions: readonly StoredVersion[]): Promise<Set<string>>;
};

/** Key of a version in the written set. */
export function versionKey(version: Pick<StoredVersion, 'id' | 'contentHash'>): string {
  return `${version.id}:${version.contentHash}`;
}

/** Creates a queue over `applyBatch`. */
export function createApplyQueue(applyBatch: ApplyBatch, maxRows = 2_000): ApplyQueue {
  const waiting: Waiter[] = [];
  let running = false;

  const take = (): Waiter[] => {
    const batch: Waiter[] = [];
    let rows = 0;
    while (waiting.length > 0) {
      const next = waiting[0];
      if (next === undefined || (rows > 0 && rows + next.versions.length > maxRows)) break;
      batch.push(next);
      rows += next.versions.length;
      waiting.shift();
    }
    return batch;
  };

  const applyEach = async (batch: readonly Waiter[]): Promise<void> => {
    for (const waiter of batch) {
      try {
        waiter.resolve(await applyBatch(winnersById(waiter.versions)));
      } catch (err) {
        waiter.reject(err);
      }
    }
  };

  const run = async (): Promise<void> => {
    running = true;
    try {
      while (waiting.length > 0) {
        const batch = take();
        try {
          const winners = winnersById(batch.flatMap((waiter) => waiter.versions));
          const written = await applyBatch(winners);
          for (const waiter of batch) waiter.resolve(written);
        } catch (err) {
          if (batch.length > 1 && isDataRefusal(err)) await applyEach(batch);
          else for (const waiter of batch) waiter.reject(err);
        }
      }
    } finally {
      running = false;
    }
  };

  return {
    apply: (versions) =>
      new Promise<Set<string>>((resolve, reject) => {
        waiting.push({ versions, resolve, reject });
        if (!running) {
          running = true;
          setImmediate(() => void run());
        }
      }),
  };
}
