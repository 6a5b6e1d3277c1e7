/** The time source services take as a dependency (milliseconds since the Unix epoch). */
export interface Clock {
  /** Current time in Unix milliseconds. */
  nowMs(): number;
}

/** The real clock (`Date.now()`). */
export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock tests move by hand. */
export interface FakeClock extends Clock {
  /** Current time in whole Unix seconds (floor of `nowMs() / 1000`). */
  nowS(): number;
  /** Moves forward by `ms` (>= 0); returns the new `nowMs()`. */
  advance(ms: number): number;
  /** Jumps to `ms` (may go backwards, to test clock skew). */
  set(ms: number): void;
}

function assertFinite(value: number, what: string): void {
  if (!Number.isFinite(value))
    throw new RangeError(`${what} must be a finite number, got ${value}`);
}

/**
 * Creates a fake clock at `startMs` (Unix milliseconds). Time moves only through `advance`
 * and `set`; non-finite values and negative advances are programmer errors and throw.
 */
export function createFakeClock(startMs: number): FakeClock {
  assertFinite(startMs, 'startMs');
  let now = startMs;
  return {
    nowMs: () => now,
    nowS: () => Math.floor(now / 1000),
    advance: (ms) => {
      assertFinite(ms, 'advance(ms)');
      if (ms < 0) throw new RangeError(`advance(ms) cannot go backwards (got ${ms}); use set()`);
      now += ms;
      return now;
    },
    set: (ms) => {
      assertFinite(ms, 'set(ms)');
      now = ms;
    },
  };
}
