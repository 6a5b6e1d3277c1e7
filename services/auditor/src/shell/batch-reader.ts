import type { Clock } from '@fedplane/runtime';
import { batchReady } from '../core/ingest-policy.js';

/**
 * Cuts a stream of delivered messages into batches: up to `max` messages, or whatever arrived
 * within `waitMs` of the first one (core `batchReady`). A pump moves messages from the consumer
 * iterator into a buffer as they arrive (the server bounds it through the consumer's
 * `max_ack_pending`), so a batch being appended does not stop delivery.
 */

/** Options of {@link BatchReader.next}. */
export type NextBatchOptions = {
  readonly max: number;
  readonly waitMs: number;
  readonly signal: AbortSignal;
};

/** A running reader. */
export type BatchReader<T> = {
  /**
   * The next batch (at least one message), or an empty array once the source ended or `signal`
   * aborted. Rejects with the source's error when it failed.
   */
  next(options: NextBatchOptions): Promise<T[]>;
  /** True once the source ended (or failed). */
  readonly ended: boolean;
};

/** Starts pumping `source`. */
export function createBatchReader<T>(source: AsyncIterable<T>, clock: Clock): BatchReader<T> {
  const buffer: T[] = [];
  let firstAtMs: number | null = null;
  let ended = false;
  let failure: { readonly error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  void (async () => {
    try {
      for await (const item of source) {
        if (buffer.length === 0) firstAtMs = clock.nowMs();
        buffer.push(item);
        notify();
      }
    } catch (error) {
      failure = { error };
    } finally {
      ended = true;
      notify();
    }
  })();

  const waitFor = (ms: number | null, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (wake === done) wake = undefined;
        resolve();
      };
      wake = done;
      if (ms !== null) timer = setTimeout(done, Math.max(0, ms));
      signal.addEventListener('abort', done, { once: true });
    });

  return {
    get ended() {
      return ended;
    },
    next: async ({ max, waitMs, signal }) => {
      for (;;) {
        if (signal.aborted) return [];
        const state = { count: buffer.length, max, firstAtMs, nowMs: clock.nowMs(), waitMs };
        if (batchReady(state) || (ended && buffer.length > 0)) {
          const batch = buffer.splice(0, max);
          firstAtMs = buffer.length === 0 ? null : clock.nowMs();
          return batch;
        }
        if (ended) {
          if (failure !== undefined) throw failure.error;
          return [];
        }
        const remaining = firstAtMs === null ? null : waitMs - (clock.nowMs() - firstAtMs);
        await waitFor(remaining, signal);
      }
    },
  };
}
