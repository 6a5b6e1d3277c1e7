import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkLeaseTiming,
  decideLease,
  defaultLeaseMarginMs,
  leaseDeadlineMs,
  leaseValue,
  toLeaseRecord,
  type LeaseDecision,
  type LeaseRecord,
} from './lease.js';
import { LeaseSchema } from './schemas/status.js';

const NOW = 1_800_000_000_000;
const TTL = 10_000;

function held(holder: string, expiresAtMs: number, revision = 7): LeaseRecord {
  return { revision, lease: { holder, expiresAtMs } };
}

describe('decideLease: table', () => {
  it.each<[string, LeaseRecord | null, LeaseDecision]>([
    ['no key: create', null, { kind: 'acquire', revision: null, expiresAtMs: NOW + TTL }],
    [
      'deleted or malformed value: CAS at its revision',
      { revision: 3, lease: null },
      { kind: 'acquire', revision: 3, expiresAtMs: NOW + TTL },
    ],
    [
      'mine, unexpired: renew',
      held('me', NOW + 1),
      { kind: 'renew', revision: 7, expiresAtMs: NOW + TTL },
    ],
    [
      'mine, expiring exactly now: re-acquire (held only while now < expires_at)',
      held('me', NOW),
      { kind: 'acquire', revision: 7, expiresAtMs: NOW + TTL },
    ],
    [
      'mine, long expired: re-acquire',
      held('me', NOW - 60_000),
      { kind: 'acquire', revision: 7, expiresAtMs: NOW + TTL },
    ],
    [
      'theirs, unexpired: wait until it expires',
      held('other', NOW + 5_000),
      { kind: 'wait', holder: 'other', untilMs: NOW + 5_000 },
    ],
    [
      'theirs, one ms before expiry: still wait',
      held('other', NOW + 1),
      { kind: 'wait', holder: 'other', untilMs: NOW + 1 },
    ],
    [
      'theirs, expiring exactly now: take over',
      held('other', NOW),
      { kind: 'acquire', revision: 7, expiresAtMs: NOW + TTL, takeoverFrom: 'other' },
    ],
    [
      'theirs, expired: take over at its revision',
      held('other', NOW - 1, 42),
      { kind: 'acquire', revision: 42, expiresAtMs: NOW + TTL, takeoverFrom: 'other' },
    ],
  ])('%s', (_name, current, expected) => {
    expect(decideLease(current, 'me', NOW, TTL)).toEqual(expected);
  });

  it.each([
    ['NaN now', Number.NaN, TTL],
    ['infinite now', Number.POSITIVE_INFINITY, TTL],
    ['zero ttl', NOW, 0],
    ['negative ttl', NOW, -5],
    ['fractional ttl', NOW, 1.5],
  ])('throws RangeError for %s', (_name, nowMs, ttlMs) => {
    expect(() => decideLease(null, 'me', nowMs, ttlMs)).toThrow(RangeError);
  });
});

const recordArb: fc.Arbitrary<LeaseRecord | null> = fc.option(
  fc.record({
    revision: fc.integer({ min: 1, max: 1_000_000 }),
    lease: fc.option(
      fc.record({
        holder: fc.constantFrom('me', 'a', 'b'),
        expiresAtMs: fc.integer({ min: NOW - 100_000, max: NOW + 100_000 }),
      }),
    ),
  }),
);

describe('decideLease: properties', () => {
  it('never overwrites an unexpired lease of another holder', () => {
    fc.assert(
      fc.property(recordArb, fc.integer({ min: 1, max: 600_000 }), (current, ttl) => {
        const decision = decideLease(current, 'me', NOW, ttl);
        const other =
          current?.lease !== null &&
          current?.lease !== undefined &&
          current.lease.holder !== 'me' &&
          NOW < current.lease.expiresAtMs;
        expect(decision.kind === 'wait').toBe(other);
      }),
    );
  });

  it('every write is a CAS on the revision read and extends to now + ttl', () => {
    fc.assert(
      fc.property(recordArb, fc.integer({ min: 1, max: 600_000 }), (current, ttl) => {
        const decision = decideLease(current, 'me', NOW, ttl);
        if (decision.kind === 'wait') return;
        expect(decision.revision).toBe(current === null ? null : current.revision);
        expect(decision.expiresAtMs).toBe(NOW + ttl);
      }),
    );
  });

  it('at most one of two contenders reading the same record writes without a takeover race', () => {
    // Both may decide to write only when the lease is free; the CAS lets exactly one win.
    fc.assert(
      fc.property(recordArb, (current) => {
        const a = decideLease(current, 'a', NOW, TTL);
        const b = decideLease(current, 'b', NOW, TTL);
        if (a.kind !== 'wait' && b.kind !== 'wait') {
          expect(a.revision).toBe(b.revision);
        }
      }),
    );
  });
});

describe('lease timing', () => {
  it.each([
    [1_000, 200],
    [10_000, 2_000],
    [15_000, 2_000],
    [60_000, 2_000],
    [4, 0],
  ])('defaultLeaseMarginMs(%d) = %d', (ttl, margin) => {
    expect(defaultLeaseMarginMs(ttl)).toBe(margin);
  });

  it('deadline is expiry minus margin', () => {
    expect(leaseDeadlineMs(NOW, 1_500)).toBe(NOW - 1_500);
  });

  it.each<[string, { ttlMs: number; renewEveryMs: number; marginMs: number }, string | null]>([
    ['valid', { ttlMs: 10_000, renewEveryMs: 3_000, marginMs: 2_000 }, null],
    ['zero margin', { ttlMs: 10_000, renewEveryMs: 9_999, marginMs: 0 }, null],
    ['ttl zero', { ttlMs: 0, renewEveryMs: 1, marginMs: 0 }, 'lease_ttl_invalid'],
    ['ttl fractional', { ttlMs: 1.5, renewEveryMs: 1, marginMs: 0 }, 'lease_ttl_invalid'],
    ['negative margin', { ttlMs: 10, renewEveryMs: 1, marginMs: -1 }, 'lease_margin_invalid'],
    ['margin = ttl', { ttlMs: 10, renewEveryMs: 1, marginMs: 10 }, 'lease_margin_invalid'],
    ['margin NaN', { ttlMs: 10, renewEveryMs: 1, marginMs: Number.NaN }, 'lease_margin_invalid'],
    [
      'renew at deadline',
      { ttlMs: 10_000, renewEveryMs: 8_000, marginMs: 2_000 },
      'lease_renew_interval_invalid',
    ],
    [
      'renew zero',
      { ttlMs: 10_000, renewEveryMs: 0, marginMs: 2_000 },
      'lease_renew_interval_invalid',
    ],
    [
      'renew NaN',
      { ttlMs: 10_000, renewEveryMs: Number.NaN, marginMs: 0 },
      'lease_renew_interval_invalid',
    ],
  ])('checkLeaseTiming: %s', (_name, timing, tag) => {
    const result = checkLeaseTiming(timing);
    if (tag === null) expect(result).toEqual({ ok: true });
    else expect(result).toEqual({ ok: false, error: { tag } });
  });
});

describe('lease values', () => {
  it('leaseValue writes RFC 3339 with milliseconds and round-trips through toLeaseRecord', () => {
    const value = leaseValue('svc/auditor/a-1', NOW + 123);
    expect(value).toEqual({ holder: 'svc/auditor/a-1', expires_at: '2027-01-15T08:00:00.123Z' });
    expect(LeaseSchema.safeParse(value).success).toBe(true);
    expect(toLeaseRecord(9, value)).toEqual({
      revision: 9,
      lease: { holder: 'svc/auditor/a-1', expiresAtMs: NOW + 123 },
    });
  });

  it('round-trips any instant and holder', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253_402_300_799_999 }),
        fc.stringMatching(/^[a-z][a-z0-9/-]{0,30}[a-z0-9]$/).filter((s) => !s.includes('//')),
        (ms, holder) => {
          expect(toLeaseRecord(1, leaseValue(holder, ms))).toEqual({
            revision: 1,
            lease: { holder, expiresAtMs: ms },
          });
        },
      ),
    );
  });

  it.each([
    ['undefined (delete marker)', undefined],
    ['null', null],
    ['a string', 'lease'],
    ['missing expires_at', { holder: 'a' }],
    ['seconds-only timestamp', { holder: 'a', expires_at: '2027-01-15T08:00:00Z' }],
    ['impossible date', { holder: 'a', expires_at: '2027-02-30T08:00:00.000Z' }],
    ['bad holder', { holder: '../x', expires_at: '2027-01-15T08:00:00.000Z' }],
    ['extra key', { holder: 'a', expires_at: '2027-01-15T08:00:00.000Z', x: 1 }],
  ])('malformed value (%s) becomes lease null at its revision', (_name, value) => {
    expect(toLeaseRecord(4, value)).toEqual({ revision: 4, lease: null });
  });

  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const record = toLeaseRecord(1, value);
        expect(record.revision).toBe(1);
      }),
    );
  });

  it('leaseValue throws RangeError outside the Date range', () => {
    expect(() => leaseValue('a', Number.NaN)).toThrow(RangeError);
  });
});
