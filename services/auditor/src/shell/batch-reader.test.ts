import { systemClock } from '@fedplane/runtime';
import { describe, expect, it } from 'vitest';
import { createBatchReader } from './batch-reader.js';

/** An async source fed by the test. */
function feed<T>() {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: Error | undefined;
  const source: AsyncIterable<T> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (failure !== undefined) throw failure;
        if (done) return;
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  return {
    source,
    push: (...items: T[]) => {
      queue.push(...items);
      poke();
    },
    end: () => {
      done = true;
      poke();
    },
    fail: (err: Error) => {
      failure = err;
      poke();
    },
  };
}

const signal = new AbortController().signal;

describe('createBatchReader', () => {
  it('cuts a full batch at once and leaves the rest for the next one', async () => {
    const f = feed<number>();
    const reader = createBatchReader(f.source, systemClock);
    f.push(1, 2, 3, 4, 5);
    await new Promise((r) => setTimeout(r, 5));
    expect(await reader.next({ max: 3, waitMs: 10_000, signal })).toEqual([1, 2, 3]);
    const started = Date.now();
    expect(await reader.next({ max: 3, waitMs: 30, signal })).toEqual([4, 5]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('waits for the first message, then at most waitMs for more', async () => {
    const f = feed<number>();
    const reader = createBatchReader(f.source, systemClock);
    const pending = reader.next({ max: 10, waitMs: 40, signal });
    setTimeout(() => f.push(1), 20);
    setTimeout(() => f.push(2), 30);
    const started = Date.now();
    expect(await pending).toEqual([1, 2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('returns what is left when the source ends, then empty batches', async () => {
    const f = feed<number>();
    const reader = createBatchReader(f.source, systemClock);
    f.push(1);
    f.end();
    expect(await reader.next({ max: 10, waitMs: 10_000, signal })).toEqual([1]);
    expect(reader.ended).toBe(true);
    expect(await reader.next({ max: 10, waitMs: 10, signal })).toEqual([]);
  });

  it('rejects with the source error once the buffer is drained', async () => {
    const f = feed<number>();
    const reader = createBatchReader(f.source, systemClock);
    f.push(7);
    f.fail(new Error('consumer deleted'));
    expect(await reader.next({ max: 10, waitMs: 10_000, signal })).toEqual([7]);
    await expect(reader.next({ max: 10, waitMs: 10, signal })).rejects.toThrow('consumer deleted');
  });

  it('an abort ends a wait with an empty batch', async () => {
    const f = feed<number>();
    const reader = createBatchReader(f.source, systemClock);
    const controller = new AbortController();
    const pending = reader.next({ max: 10, waitMs: 10, signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    expect(await pending).toEqual([]);
    expect(await reader.next({ max: 10, waitMs: 10, signal: controller.signal })).toEqual([]);
    f.end();
  });
});
