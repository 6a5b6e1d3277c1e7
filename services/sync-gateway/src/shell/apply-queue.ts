import { winnersById } from '../core/record-version.js';
import { isDataRefusal, isTransientConflict } from '../core/store-error.js';
import type { StoredVersion } from '../adapters/pg-replica.js';

/**
 * Group commit for the replica: concurrent callers' versions are coalesced into one multi-row
 * upsert (at most `maxRows` per statement), so N concurrent pushes cost one round trip instead of
 * N; a few statements run in flight together (`inFlight`) so a slow round trip does not stall
 * every caller behind it. Concurrent statements lock rows in id order (pg-replica sorts), and one
 * that Postgres rolls back for a conflict (40001/40P01) is simply run again. Each caller learns which of ITS versions were written (`<id>:<content_hash>` keys). Versions
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

/** Tunables of {@link createApplyQueue}. */
export type ApplyQueueOptions = {
  /** Most rows per statement (default 2,000). */
  readonly maxRows?: number;
  /** Statements in flight together (default 3); callers arriving meanwhile form the next batch. */
  readonly inFlight?: number;
};

/** Attempts of a batch Postgres rolled back for a conflict with a concurrent one (40001/40P01). */
const CONFLICT_ATTEMPTS = 5;

async function applyRetryingConflicts(
  applyBatch: ApplyBatch,
  versions: readonly StoredVersion[],
): Promise<Set<string>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await applyBatch(versions);
    } catch (err) {
      if (attempt >= CONFLICT_ATTEMPTS || !isTransientConflict(err)) throw err;
    }
  }
}

/** Creates a queue over `applyBatch`. */
export function createApplyQueue(
  applyBatch: ApplyBatch,
  options: ApplyQueueOptions = {},
): ApplyQueue {
  const maxRows = options.maxRows ?? 2_000;
  const maxInFlight = Math.max(1, options.inFlight ?? 3);
  const waiting: Waiter[] = [];
  let inFlight = 0;
  let scheduled = false;

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
        waiter.resolve(await applyRetryingConflicts(applyBatch, winnersById(waiter.versions)));
      } catch (err) {
        waiter.reject(err);
      }
    }
  };

  const runBatch = async (batch: readonly Waiter[]): Promise<void> => {
    try {
      const winners = winnersById(batch.flatMap((waiter) => waiter.versions));
      const written = await applyRetryingConflicts(applyBatch, winners);
      for (const waiter of batch) waiter.resolve(written);
    } catch (err) {
      if (batch.length > 1 && isDataRefusal(err)) await applyEach(batch);
      else for (const waiter of batch) waiter.reject(err);
    }
  };

  const pump = (): void => {
    scheduled = false;
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = take();
      inFlight += 1;
      void runBatch(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  };

  return {
    apply: (versions) =>
      new Promise<Set<string>>((resolve, reject) => {
        waiting.push({ versions, resolve, reject });
        if (!scheduled && inFlight < maxInFlight) {
          // Let the callers of this turn of the event loop join the same statement.
          scheduled = true;
          setImmediate(pump);
        }
      }),
  };
}
