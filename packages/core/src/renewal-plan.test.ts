import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RENEWAL_BACKOFF,
  RENEWAL_MIN_DELAY_S,
  halfLifeFraction,
  planRenewal,
  renewalBackoffS,
  renewalDueAt,
} from './renewal-plan.js';
import type { HeldCredential, RenewalPolicy } from './renewal-plan.js';

const POLICY: RenewalPolicy = { renewBeforeS: 900, ...DEFAULT_RENEWAL_BACKOFF };
const HOUR: HeldCredential = { notBefore: 0, notAfter: 3_600, failures: 0 };

describe('planRenewal: table', () => {
  it.each<[string, HeldCredential | null, Partial<RenewalPolicy>, number, number, unknown]>([
    ['nothing held', null, {}, 100, 0, { kind: 'acquire', expiring: false }],
    [
      'expired one second after not_after',
      HOUR,
      {},
      3_601,
      0,
      { kind: 'expired', expiring: false },
    ],
    ['not_after itself is still valid', HOUR, {}, 3_600, 0, { kind: 'renew_now', expiring: true }],
    [
      'before half-life (jitter 0: 45%)',
      HOUR,
      {},
      1_000,
      0,
      { kind: 'wait', at: 1_620, expiring: false },
    ],
    ['at half-life (jitter 0)', HOUR, {}, 1_620, 0, { kind: 'renew_now', expiring: false }],
    ['jitter 0.5: 50%', HOUR, {}, 0, 0.5, { kind: 'wait', at: 1_800, expiring: false }],
    [
      'jitter near 1: 55%, rounded up',
      HOUR,
      {},
      0,
      0.9999,
      { kind: 'wait', at: 1_980, expiring: false },
    ],
    [
      'renew_before earlier than half-life',
      HOUR,
      { renewBeforeS: 3_000 },
      0,
      0,
      { kind: 'wait', at: 600, expiring: false },
    ],
    ['inside the lead window', HOUR, {}, 2_700, 0.5, { kind: 'renew_now', expiring: true }],
    [
      'zero lifetime',
      { notBefore: 50, notAfter: 50, failures: 0 },
      {},
      50,
      0,
      { kind: 'renew_now', expiring: true },
    ],
    [
      'failures without a recorded attempt behave as none',
      { ...HOUR, failures: 3 },
      {},
      1_000,
      0,
      { kind: 'wait', at: 1_620, expiring: false },
    ],
    [
      'first retry: min backoff floored at 1 s',
      { ...HOUR, failures: 1, lastAttemptAt: 1_620 },
      {},
      1_620,
      0,
      { kind: 'wait', at: 1_621, expiring: false },
    ],
    [
      'first retry is due one second later',
      { ...HOUR, failures: 1, lastAttemptAt: 1_620 },
      {},
      1_621,
      0,
      { kind: 'renew_now', expiring: false },
    ],
    [
      'exponential: 4th failure, jitter 0.5 → 8 × 0.75 = 6 s',
      { ...HOUR, failures: 4, lastAttemptAt: 1_900 },
      {},
      1_900,
      0.5,
      { kind: 'wait', at: 1_906, expiring: false },
    ],
    [
      'capped by maxBackoffS',
      { ...HOUR, failures: 30, lastAttemptAt: 1_700 },
      {},
      1_700,
      0,
      { kind: 'wait', at: 2_000, expiring: false },
    ],
    [
      'capped by a quarter of the time left',
      { ...HOUR, failures: 30, lastAttemptAt: 3_500 },
      {},
      3_500,
      0,
      { kind: 'wait', at: 3_525, expiring: true },
    ],
    [
      'an attempt recorded before the due time does not advance renewal',
      { ...HOUR, failures: 2, lastAttemptAt: 100 },
      {},
      200,
      0,
      { kind: 'wait', at: 1_620, expiring: false },
    ],
    [
      'the floor never schedules past expiry while time is left',
      { ...HOUR, failures: 9, lastAttemptAt: 3_599.5 },
      {},
      3_599.5,
      0,
      { kind: 'wait', at: 3_600, expiring: true },
    ],
    [
      'at the last valid second, the floor still holds (no hot loop)',
      { ...HOUR, failures: 9, lastAttemptAt: 3_600 },
      {},
      3_600,
      0,
      { kind: 'wait', at: 3_601, expiring: true },
    ],
  ])('%s', (...row) => {
    const [, held, policy, nowS, jitter, expected] = row;
    expect(planRenewal(held, { ...POLICY, ...policy }, nowS, jitter)).toEqual(expected);
  });

  it.each<[string, Partial<RenewalPolicy>, number]>([
    ['jitter 1', {}, 1],
    ['negative jitter', {}, -0.1],
    ['NaN jitter', {}, Number.NaN],
    ['negative renew_before', { renewBeforeS: -1 }, 0],
    ['zero min backoff', { minBackoffS: 0 }, 0],
    ['max below min', { minBackoffS: 10, maxBackoffS: 5 }, 0],
    ['infinite max', { maxBackoffS: Number.POSITIVE_INFINITY }, 0],
    ['zero fraction', { backoffFractionOfRemaining: 0 }, 0],
    ['fraction above 1', { backoffFractionOfRemaining: 1.5 }, 0],
  ])('rejects %s as a programmer error', (_label, policy, jitter) => {
    expect(() => planRenewal(HOUR, { ...POLICY, ...policy }, 0, jitter)).toThrow(RangeError);
  });

  it('halfLifeFraction spans 0.45..0.55', () => {
    expect(halfLifeFraction(0)).toBe(0.45);
    expect(halfLifeFraction(0.5)).toBeCloseTo(0.5, 12);
    expect(halfLifeFraction(0.999999)).toBeLessThan(0.55);
  });
});

// ---- properties -------------------------------------------------------------------------------

const jitterArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const policyArb: fc.Arbitrary<RenewalPolicy> = fc
  .record({
    renewBeforeS: fc.integer({ min: 0, max: 20_000 }),
    minBackoffS: fc.integer({ min: 1, max: 30 }),
    extra: fc.integer({ min: 0, max: 600 }),
    backoffFractionOfRemaining: fc.double({ min: 0.01, max: 1, noNaN: true }),
  })
  .map(({ extra, ...p }) => ({ ...p, maxBackoffS: p.minBackoffS + extra }));
/** A credential, a `now` inside or just past its window, and a failure record. */
const scenarioArb = fc
  .record({
    notBefore: fc.integer({ min: 0, max: 1_000_000 }),
    lifetime: fc.integer({ min: 1, max: 200_000 }),
    nowFraction: fc.double({ min: 0, max: 1.05, noNaN: true }),
    fractionalNow: fc.boolean(),
    failures: fc.nat(40),
    attemptBack: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }),
  })
  .map((s) => {
    const notAfter = s.notBefore + s.lifetime;
    const raw = s.notBefore + s.lifetime * s.nowFraction;
    const nowS = s.fractionalNow ? raw : Math.round(raw);
    const held: HeldCredential = {
      notBefore: s.notBefore,
      notAfter,
      failures: s.failures,
      ...(s.attemptBack !== undefined && { lastAttemptAt: nowS - s.attemptBack }),
    };
    return { held, nowS };
  });

describe('planRenewal: properties', () => {
  it('a wait never outlasts the credential (beyond the retry floor) and is always in the future', () => {
    fc.assert(
      fc.property(scenarioArb, policyArb, jitterArb, ({ held, nowS }, policy, jitter) => {
        const d = planRenewal(held, policy, nowS, jitter);
        if (d.kind !== 'wait') return;
        expect(d.at).toBeGreaterThan(nowS);
        expect(d.at - nowS).toBeLessThanOrEqual(
          Math.max(held.notAfter - nowS, RENEWAL_MIN_DELAY_S),
        );
        if (nowS < held.notAfter) expect(d.at).toBeLessThanOrEqual(held.notAfter);
      }),
      { numRuns: 2_000 },
    );
  });

  it('never renews before 45% of the lifetime unless inside renew_before', () => {
    fc.assert(
      fc.property(scenarioArb, policyArb, jitterArb, ({ held, nowS }, policy, jitter) => {
        const d = planRenewal(held, policy, nowS, jitter);
        if (d.kind !== 'renew_now') return;
        const lifetime = held.notAfter - held.notBefore;
        const early =
          nowS < held.notBefore + 0.45 * lifetime && nowS < held.notAfter - policy.renewBeforeS;
        expect(early).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it('after a failure, no retry sooner than the floor (no hot loop)', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        policyArb,
        jitterArb,
        fc.record({
          failures: fc.integer({ min: 1, max: 40 }),
          // Whole eighths: exact in binary, so `now - last < floor` survives the subtraction.
          sinceAttempt: fc.integer({ min: 0, max: 8 * RENEWAL_MIN_DELAY_S - 1 }).map((k) => k / 8),
        }),
        ({ held, nowS }, policy, jitter, { failures, sinceAttempt }) => {
          const failed = { ...held, failures, lastAttemptAt: nowS - sinceAttempt };
          expect(planRenewal(failed, policy, nowS, jitter).kind).not.toBe('renew_now');
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('expiring means inside the renew_before window, expired means past not_after', () => {
    fc.assert(
      fc.property(scenarioArb, policyArb, jitterArb, ({ held, nowS }, policy, jitter) => {
        const d = planRenewal(held, policy, nowS, jitter);
        expect(d.kind === 'expired').toBe(nowS > held.notAfter);
        expect(d.expiring).toBe(
          nowS <= held.notAfter && nowS >= held.notAfter - policy.renewBeforeS,
        );
      }),
      { numRuns: 1_000 },
    );
  });

  it('is deterministic for a given jitter', () => {
    fc.assert(
      fc.property(scenarioArb, policyArb, jitterArb, ({ held, nowS }, policy, jitter) => {
        expect(planRenewal(held, policy, nowS, jitter)).toEqual(
          planRenewal({ ...held }, { ...policy }, nowS, jitter),
        );
      }),
    );
  });

  it('the backoff delay is non-increasing as the time left shrinks, and stays in [floor, max(max, floor)]', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 1, max: 64 }),
        fc.tuple(
          fc.double({ min: 0, max: 1e6, noNaN: true }),
          fc.double({ min: 0, max: 1e6, noNaN: true }),
        ),
        jitterArb,
        (policy, failures, [r1, r2], jitter) => {
          const [more, less] = r1 >= r2 ? [r1, r2] : [r2, r1];
          const dMore = renewalBackoffS(policy, failures, more, jitter);
          const dLess = renewalBackoffS(policy, failures, less, jitter);
          expect(dLess).toBeLessThanOrEqual(dMore);
          expect(dLess).toBeGreaterThanOrEqual(RENEWAL_MIN_DELAY_S);
          expect(dMore).toBeLessThanOrEqual(Math.max(policy.maxBackoffS, RENEWAL_MIN_DELAY_S));
        },
      ),
    );
  });

  it('retries get denser as expiry nears: the scheduled retry never moves later as now advances', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        policyArb,
        jitterArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        ({ held, nowS }, policy, jitter, step) => {
          fc.pre(held.failures > 0 && held.lastAttemptAt !== undefined);
          const later = nowS + (held.notAfter - nowS) * step;
          fc.pre(later < held.notAfter);
          const a = planRenewal(held, policy, nowS, jitter);
          const b = planRenewal(held, policy, later, jitter);
          if (a.kind === 'wait' && b.kind === 'wait') expect(b.at).toBeLessThanOrEqual(a.at);
          if (a.kind === 'renew_now') expect(b.kind).toBe('renew_now');
        },
      ),
    );
  });

  it('renewalDueAt lies between 45% of the lifetime (or the lead) and 55%', () => {
    fc.assert(
      fc.property(scenarioArb, policyArb, jitterArb, ({ held }, policy, jitter) => {
        const due = renewalDueAt(held, policy.renewBeforeS, jitter);
        const lifetime = held.notAfter - held.notBefore;
        expect(due).toBeLessThanOrEqual(Math.ceil(held.notBefore + 0.55 * lifetime));
        expect(due).toBeGreaterThanOrEqual(
          Math.min(held.notBefore + 0.45 * lifetime, held.notAfter - policy.renewBeforeS),
        );
      }),
    );
  });
});
