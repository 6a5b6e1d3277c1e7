import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit.js';

/** A batch runner that records its batches and answers `item * 10`, released by hand. */
function recorder(options: { failWhen?: (items: readonly number[]) => boolean } = {}) {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const run = async (items: readonly number[]): Promise<number[]> => {
    batches.push([...items]);
    await new Promise<void>((resolve) => gates.push(resolve));
    if (options.failWhen?.(items) === true) throw new Error(`refused ${items.join(',')}`);
    return items.map((i) => i * 10);
  };
  const releaseAll = async (): Promise<void> => {
    for (let round = 0; round < 20; round += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      for (const open of gates.splice(0)) open();
    }
  };
  return { run, batches, releaseAll };
}

describe('createGroupCommit', () => {
  it('sends the callers of one turn as one batch and answers each with its own result', async () => {
    const r = recorder();
    const queue = createGroupCommit(r.run);
    const results = Promise.all([1, 2, 3].map((i) => queue.submit(i)));
    await r.releaseAll();
    expect(await results).toEqual([10, 20, 30]);
    expect(r.batches).toEqual([[1, 2, 3]]);
    expect(queue.batches()).toBe(1);
  });

  it('forms the next batch from callers arriving while batches are in flight', async () => {
    const r = recorder();
    const queue = createGroupCommit(r.run, { inFlight: 1 });
    const first = queue.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((i) => queue.submit(i));
    await r.releaseAll();
    expect(await Promise.all([first, ...later])).toEqual([10, 20, 30, 40]);
    expect(r.batches).toEqual([[1], [2, 3, 4]]);
  });

  it('caps a batch at maxItems and runs up to inFlight batches together', async () => {
    const r = recorder();
    const queue = createGroupCommit(r.run, { maxItems: 2, inFlight: 2 });
    const all = Promise.all([1, 2, 3, 4, 5].map((i) => queue.submit(i)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    await r.releaseAll();
    expect(await all).toEqual([10, 20, 30, 40, 50]);
    expect(r.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('re-runs each item of a failed batch alone: only the bad item fails', async () => {
    const r = recorder({ failWhen: (items) => items.includes(2) });
    const queue = createGroupCommit(r.run);
    const settled = Promise.allSettled([1, 2, 3].map((i) => queue.submit(i)));
    await r.releaseAll();
    const outcomes = await settled;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 10 });
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 30 });
    expect(r.batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('rejects a batch that answers the wrong number of results, item by item', async () => {
    let calls = 0;
    const queue = createGroupCommit(async (items: readonly number[]) => {
      calls += 1;
      await Promise.resolve();
      return items.length > 1 ? [1] : items.map((i) => i + 1);
    });
    const all = await Promise.all([5, 6].map((i) => queue.submit(i)));
    expect(all).toEqual([6, 7]);
    expect(calls).toBe(3);
  });

  it('keeps serving after failures', async () => {
    let fail = true;
    const queue = createGroupCommit(async (items: readonly number[]) => {
      await Promise.resolve();
      if (fail) throw new Error('down');
      return items;
    });
    await expect(queue.submit(1)).rejects.toThrow('down');
    fail = false;
    await expect(queue.submit(2)).resolves.toBe(2);
  });
});
