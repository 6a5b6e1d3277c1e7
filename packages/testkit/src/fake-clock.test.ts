import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFakeClock, systemClock } from './fake-clock.js';

describe('createFakeClock', () => {
  it('moves only when told to', () => {
    const clock = createFakeClock(1_700_000_000_500);
    expect(clock.nowMs()).toBe(1_700_000_000_500);
    expect(clock.nowS()).toBe(1_700_000_000);
    expect(clock.advance(499)).toBe(1_700_000_000_999);
    expect(clock.nowS()).toBe(1_700_000_000);
    clock.advance(1);
    expect(clock.nowS()).toBe(1_700_000_001);
    clock.set(1_000);
    expect(clock.nowMs()).toBe(1_000);
    expect(clock.nowS()).toBe(1);
  });

  it.each([
    ['advance(-1)', (c: ReturnType<typeof createFakeClock>) => c.advance(-1)],
    ['advance(NaN)', (c: ReturnType<typeof createFakeClock>) => c.advance(Number.NaN)],
    ['set(Infinity)', (c: ReturnType<typeof createFakeClock>) => c.set(Number.POSITIVE_INFINITY)],
  ])('rejects %s as a programmer error and keeps its time', (_name, misuse) => {
    const clock = createFakeClock(5_000);
    expect(() => misuse(clock)).toThrow(RangeError);
    expect(clock.nowMs()).toBe(5_000);
  });

  it('rejects a non-finite start', () => {
    expect(() => createFakeClock(Number.NaN)).toThrow(RangeError);
  });

  it('property: nowMs is start plus the sum of advances, nowS its floor in seconds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.array(fc.integer({ min: 0, max: 86_400_000 })),
        (start, steps) => {
          const clock = createFakeClock(start);
          for (const step of steps) clock.advance(step);
          const expected = start + steps.reduce((a, b) => a + b, 0);
          return clock.nowMs() === expected && clock.nowS() === Math.floor(expected / 1000);
        },
      ),
    );
  });
});

describe('systemClock', () => {
  it('reads the real time', () => {
    const before = Date.now();
    const now = systemClock.nowMs();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
