import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lifecycleEvents, nextLifecycleAt, type LifecycleInput } from './lifecycle.js';

const NOW = 1_900_000_000;
const HELD = { credentialId: 'a'.repeat(64), notAfter: NOW + 1000 };

function at(nowS: number, noted: LifecycleInput['noted'] = {}): ReturnType<typeof lifecycleEvents> {
  return lifecycleEvents({ held: HELD, nowS, renewBeforeS: 300, noted });
}

describe('lifecycleEvents', () => {
  it('nothing held: no events', () => {
    expect(lifecycleEvents({ held: null, nowS: NOW, renewBeforeS: 300, noted: {} })).toEqual({
      events: [],
      noted: {},
    });
  });

  it('before the lead window: nothing', () => {
    expect(at(NOW + 699).events).toEqual([]);
  });

  it('inside the lead window: expiring once, with the time left', () => {
    const first = at(NOW + 700);
    expect(first.events).toEqual([
      {
        type: 'credential.expiring',
        data: { credential_id: HELD.credentialId, not_after: HELD.notAfter, remaining_s: 300 },
      },
    ]);
    expect(first.noted).toEqual({ expiring: HELD.credentialId });
    expect(at(NOW + 800, first.noted).events).toEqual([]);
  });

  it('at not_after it is still valid (inclusive); after it, expired once', () => {
    const noted = { expiring: HELD.credentialId };
    expect(at(NOW + 1000, noted).events).toEqual([]);
    const expired = at(NOW + 1001, noted);
    expect(expired.events).toEqual([
      {
        type: 'credential.expired',
        data: { credential_id: HELD.credentialId, not_after: HELD.notAfter },
      },
    ]);
    expect(at(NOW + 5000, expired.noted).events).toEqual([]);
  });

  it('an expiry never preceded by expiring emits only expired', () => {
    const outcome = at(NOW + 2000);
    expect(outcome.events.map((e) => e.type)).toEqual(['credential.expired']);
    expect(outcome.noted).toEqual({ expiring: HELD.credentialId, expired: HELD.credentialId });
  });

  it('a new credential is noted afresh', () => {
    const other = { credentialId: 'b'.repeat(64), notAfter: NOW + 1000 };
    const outcome = lifecycleEvents({
      held: other,
      nowS: NOW + 900,
      renewBeforeS: 300,
      noted: { expiring: HELD.credentialId, expired: HELD.credentialId },
    });
    expect(outcome.events.map((e) => e.type)).toEqual(['credential.expiring']);
  });

  it('property: each event at most once per credential over any sequence of times', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 40 }), (offsets) => {
        let noted: LifecycleInput['noted'] = {};
        const seen: string[] = [];
        for (const offset of [...offsets].sort((a, b) => a - b)) {
          const outcome = at(NOW + offset, noted);
          noted = outcome.noted;
          seen.push(...outcome.events.map((e) => e.type));
        }
        expect(seen.filter((t) => t === 'credential.expiring').length).toBeLessThanOrEqual(1);
        expect(seen.filter((t) => t === 'credential.expired').length).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('nextLifecycleAt', () => {
  it('the lead window start, then just after not_after, then nothing', () => {
    const base = { held: HELD, renewBeforeS: 300 };
    expect(nextLifecycleAt({ ...base, noted: {} })).toBe(NOW + 700);
    expect(nextLifecycleAt({ ...base, noted: { expiring: HELD.credentialId } })).toBe(NOW + 1001);
    expect(
      nextLifecycleAt({
        ...base,
        noted: { expiring: HELD.credentialId, expired: HELD.credentialId },
      }),
    ).toBeUndefined();
    expect(nextLifecycleAt({ held: null, renewBeforeS: 300, noted: {} })).toBeUndefined();
  });
});
