import { describe, expect, it } from 'vitest';
import type { StoredVersion } from '../adapters/pg-replica.js';
import { createApplyQueue, versionKey } from './apply-queue.js';

function version(id: string, updatedAtMs: number, hash = 'a'): StoredVersion {
  return {
    id,
    namespace: 'team/a',
    updatedAtMs,
    contentHash: hash.repeat(64),
    deleted: false,
    origin: 'node-a',
    bytes: new Uint8Array(),
    record: {},
  };
}

describe('apply queue', () => {
  it('coalesces concurrent callers and keeps at most `inFlight` statements running', async () => {
    let running = 0;
    let peak = 0;
    const sizes: number[] = [];
    const queue = createApplyQueue(
      async (versions) => {
        running += 1;
        peak = Math.max(peak, running);
        sizes.push(versions.length);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        return new Set(versions.map(versionKey));
      },
      { inFlight: 2, maxRows: 10 },
    );
    const all = Array.from({ length: 50 }, (_, i) => version(`id-${String(i)}`, 1));
    const written = await Promise.all(all.map((v) => queue.apply([v])));
    expect(peak).toBeLessThanOrEqual(2);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(50);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(sizes.length).toBeLessThan(50);
    for (const [i, set] of written.entries()) {
      const mine = all[i];
      expect(mine !== undefined && set.has(versionKey(mine))).toBe(true);
    }
  });

  it('runs a statement again when Postgres rolled it back for a conflict, never for an outage', async () => {
    let calls = 0;
    const conflicted = createApplyQueue((versions) => {
      calls += 1;
      if (calls < 3) {
        return Promise.reject(Object.assign(new Error('deadlock detected'), { code: '40P01' }));
      }
      return Promise.resolve(new Set(versions.map(versionKey)));
    });
    expect((await conflicted.apply([version('x', 1)])).size).toBe(1);
    expect(calls).toBe(3);
    let outageCalls = 0;
    const down = createApplyQueue(() => {
      outageCalls += 1;
      return Promise.reject(Object.assign(new Error('terminated'), { code: '57P01' }));
    });
    await expect(down.apply([version('y', 1)])).rejects.toThrow('terminated');
    expect(outageCalls).toBe(1);
  });

  it('isolates a caller whose data Postgres refuses from the others of its batch', async () => {
    const queue = createApplyQueue((versions) => {
      if (versions.some((v) => v.id === 'bad')) {
        return Promise.reject(Object.assign(new Error('invalid input'), { code: '22P05' }));
      }
      return Promise.resolve(new Set(versions.map(versionKey)));
    });
    const [good, bad] = await Promise.allSettled([
      queue.apply([version('good', 1)]),
      queue.apply([version('bad', 1)]),
    ]);
    expect(good.status).toBe('fulfilled');
    expect(bad.status).toBe('rejected');
  });
});
