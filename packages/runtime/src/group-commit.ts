/**
 * Group commit: concurrent callers' items are written together, one statement per batch, so N
 * callers in the same moment cost one database round trip (and one commit) instead of N. An
 * idle queue sends at once (on the next turn of the event loop, so the callers of this turn join
 * the same batch); while `inFlight` batches are running, new callers form the next one. When a
 * batch of several items fails, each of its items is run again on its own, so one caller's
 * trouble (a bad row, a deadlock with a concurrent batch) never fails another caller; a single
 * item's failure rejects that caller only.
 */

/** Runs one batch; resolves with one result per item, in order. */
export type RunBatch<I, O> = (items: readonly I[]) => Promise<readonly O[]>;

/** A group-commit queue. */
export type GroupCommit<I, O> = {
  /** Writes `item` in a batch with whatever else is waiting; resolves with its result. */
  submit(item: I): Promise<O>;
  /** Batches sent so far (for metrics and tests). */
  batches(): number;
};

/** Tunables of {@link createGroupCommit}. */
export type GroupCommitOptions = {
  /** Most items per batch (default 256). */
  readonly maxItems?: number;
  /** Batches running together (default 2). */
  readonly inFlight?: number;
};

type Waiter<I, O> = {
  readonly item: I;
  resolve(result: O): void;
  reject(err: unknown): void;
};

/** Creates a queue over `runBatch`. */
export function createGroupCommit<I, O>(
  runBatch: RunBatch<I, O>,
  options: GroupCommitOptions = {},
): GroupCommit<I, O> {
  const maxItems = Math.max(1, options.maxItems ?? 256);
  const maxInFlight = Math.max(1, options.inFlight ?? 2);
  const waiting: Waiter<I, O>[] = [];
  let inFlight = 0;
  let scheduled = false;
  let sent = 0;

  const runOne = async (waiter: Waiter<I, O>): Promise<void> => {
    sent += 1;
    try {
      const [result] = await runBatch([waiter.item]);
      if (result === undefined) throw new Error('group commit: the batch returned no result');
      waiter.resolve(result);
    } catch (err) {
      waiter.reject(err);
    }
  };

  const run = async (batch: readonly Waiter<I, O>[]): Promise<void> => {
    const [only] = batch;
    if (batch.length === 1 && only !== undefined) return runOne(only);
    sent += 1;
    let results: readonly O[];
    try {
      results = await runBatch(batch.map((w) => w.item));
      if (results.length !== batch.length) {
        throw new Error(`group commit: ${results.length} results for ${batch.length} items`);
      }
    } catch {
      for (const waiter of batch) await runOne(waiter);
      return;
    }
    batch.forEach((waiter, i) => {
      const result = results[i];
      if (result === undefined) waiter.reject(new Error('group commit: no result for an item'));
      else waiter.resolve(result);
    });
  };

  const pump = (): void => {
    scheduled = false;
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = waiting.splice(0, maxItems);
      inFlight += 1;
      void run(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  };

  return {
    submit: (item) =>
      new Promise<O>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (!scheduled && inFlight < maxInFlight) {
          scheduled = true;
          setImmediate(pump);
        }
      }),
    batches: () => sent,
  };
}
