import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deny } from './registration.js';
import {
  EMPTY_REFUSAL_STATE,
  MAX_REFUSAL_KEYS,
  admitRefusal,
  isUnauthenticatedRefusal,
  type RefusalLimitState,
} from './refusal-limit.js';

const POLICY = { burst: 3, perSecond: 2 };

function run(times: readonly number[], reason = 'renew_pop_bad_signature') {
  let state: RefusalLimitState = EMPTY_REFUSAL_STATE;
  return times.map((t) => {
    const v = admitRefusal(state, reason, t, POLICY);
    state = v.state;
    return [v.record, v.suppressed] as const;
  });
}

describe('admitRefusal', () => {
  it('records a burst, then suppresses, then reports the suppressed count with the next record', () => {
    expect(run([0, 0, 0, 0, 0, 100, 500])).toEqual([
      [true, 0],
      [true, 0],
      [true, 0],
      [false, 0],
      [false, 0],
      [false, 0], // 0.2 tokens
      [true, 3], // 1.0 token at 500 ms: recorded with the 3 before it
    ]);
  });

  it('refills at perSecond up to burst only', () => {
    const out = run([0, 0, 0, 60_000, 60_000, 60_000, 60_000]);
    expect(out.map(([r]) => r)).toEqual([true, true, true, true, true, true, false]);
  });

  it('keeps one bucket per reason', () => {
    let state: RefusalLimitState = EMPTY_REFUSAL_STATE;
    for (let i = 0; i < 3; i += 1) state = admitRefusal(state, 'a', 0, POLICY).state;
    expect(admitRefusal(state, 'a', 0, POLICY).record).toBe(false);
    expect(admitRefusal(state, 'b', 0, POLICY).record).toBe(true);
  });

  it('time going backwards refills nothing', () => {
    expect(run([10_000, 10_000, 10_000, 0, 5_000]).map(([r]) => r)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('bounds the number of reasons it tracks', () => {
    let state: RefusalLimitState = EMPTY_REFUSAL_STATE;
    for (let i = 0; i < MAX_REFUSAL_KEYS + 10; i += 1)
      state = admitRefusal(state, `r${i}`, 0).state;
    expect(state.size).toBe(MAX_REFUSAL_KEYS);
    expect(state.has('r0')).toBe(false);
  });

  it('never records more than burst + perSecond × elapsed, and loses no count (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (gaps) => {
        let t = 0;
        const times = gaps.map((g) => (t += g));
        const out = run(times);
        const recorded = out.filter(([r]) => r).length;
        const span = (times.at(-1) ?? 0) / 1000;
        expect(recorded).toBeLessThanOrEqual(POLICY.burst + Math.floor(span * POLICY.perSecond));
        // Every refusal is either recorded or reported as suppressed by a later record, or still
        // pending in the bucket.
        const reported = out.reduce((n, [, s]) => n + s, 0);
        const suppressed = out.filter(([r]) => !r).length;
        expect(reported).toBeLessThanOrEqual(suppressed);
      }),
    );
  });
});

describe('isUnauthenticatedRefusal', () => {
  it('limits refusals of unauthenticated callers only', () => {
    expect(isUnauthenticatedRefusal(deny('UNAUTHENTICATED', 'x', 'm'))).toBe(true);
    expect(isUnauthenticatedRefusal(deny('BAD_REQUEST', 'x', 'm'))).toBe(true);
    expect(isUnauthenticatedRefusal(deny('FORBIDDEN', 'node_revoked', 'm'))).toBe(false);
    expect(isUnauthenticatedRefusal(deny('CONFLICT', 'token_used', 'm'))).toBe(false);
  });
});
