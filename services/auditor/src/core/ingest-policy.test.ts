import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  APPEND_BACKOFF,
  appendBackoffMs,
  batchAction,
  batchReady,
  checkpointDue,
} from './ingest-policy.js';

describe('batchReady', () => {
  const base = { count: 1, max: 500, firstAtMs: 1_000, nowMs: 1_000, waitMs: 20 };
  it.each([
    { name: 'nothing waits', state: { ...base, count: 0, firstAtMs: null }, ready: false },
    { name: 'count without a first time', state: { ...base, firstAtMs: null }, ready: false },
    { name: 'one, just arrived', state: base, ready: false },
    { name: 'one, waited long enough', state: { ...base, nowMs: 1_020 }, ready: true },
    { name: 'full batch at once', state: { ...base, count: 500 }, ready: true },
    { name: 'more than a batch', state: { ...base, count: 900 }, ready: true },
    { name: 'wait 0 cuts at once', state: { ...base, waitMs: 0 }, ready: true },
  ])('$name', ({ state, ready }) => expect(batchReady(state)).toBe(ready));
});

describe('appendBackoffMs', () => {
  it('doubles from the base up to the cap, scaled by jitter', () => {
    expect(appendBackoffMs(1, 1)).toBe(APPEND_BACKOFF.baseMs);
    expect(appendBackoffMs(2, 1)).toBe(200);
    expect(appendBackoffMs(3, 0)).toBe(200);
    expect(appendBackoffMs(20, 1)).toBe(APPEND_BACKOFF.maxMs);
    expect(appendBackoffMs(0, 1)).toBe(APPEND_BACKOFF.baseMs);
    expect(appendBackoffMs(1_000, Number.NaN)).toBe(APPEND_BACKOFF.maxMs / 2);
    expect(appendBackoffMs(1, 7)).toBe(APPEND_BACKOFF.baseMs);
  });

  it('stays within [base/2, max] (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 100 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, j) => {
          const ms = appendBackoffMs(n, j);
          expect(ms).toBeGreaterThanOrEqual(APPEND_BACKOFF.baseMs / 2);
          expect(ms).toBeLessThanOrEqual(APPEND_BACKOFF.maxMs);
        },
      ),
    );
  });
});

describe('batchAction', () => {
  it('acks only after a commit, retries while held, abandons when the lease is gone', () => {
    expect(batchAction({ kind: 'committed' }, 0.5)).toEqual({ kind: 'ack_all' });
    expect(batchAction({ kind: 'failed', failures: 3 }, 1)).toEqual({
      kind: 'retry',
      delayMs: 400,
    });
    expect(batchAction({ kind: 'lease_lost' }, 0.5)).toEqual({ kind: 'abandon' });
  });
});

describe('checkpointDue', () => {
  const base = { size: 10, lastSize: 5, lastAtMs: 0, nowMs: 10_000, intervalMs: 10_000 };
  it.each([
    { name: 'grew and the interval passed', state: base, due: true },
    { name: 'grew, interval not yet', state: { ...base, nowMs: 9_999 }, due: false },
    { name: 'did not grow', state: { ...base, size: 5 }, due: false },
    { name: 'final, grew', state: { ...base, nowMs: 1, final: true }, due: true },
    { name: 'final, did not grow', state: { ...base, size: 5, final: true }, due: false },
  ])('$name', ({ state, due }) => expect(checkpointDue(state)).toBe(due));
});
