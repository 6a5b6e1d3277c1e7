import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

const UNITS: readonly (readonly [number, readonly string[]])[] = [
  [1, ['s', 'sec', 'secs', 'second', 'seconds']],
  [60, ['m', 'min', 'mins', 'minute', 'minutes']],
  [3_600, ['h', 'hr', 'hrs', 'hour', 'hours']],
  [86_400, ['d', 'day', 'days']],
  [604_800, ['w', 'wk', 'wks', 'week', 'weeks']],
];

describe('parseDuration', () => {
  it.each(UNITS.flatMap(([size, names]) => names.map((n) => [n, size] as const)))(
    'unit %s is %i seconds',
    (unit, size) => {
      expect(parseDuration(`3${unit}`)).toEqual({ ok: true, seconds: 3 * size });
      expect(parseDuration(`3 ${unit.toUpperCase()}`)).toEqual({ ok: true, seconds: 3 * size });
    },
  );

  it.each([
    ['1h', 3_600],
    ['  15m  ', 900],
    ['2 h', 7_200],
    ['2\th', 7_200],
    ['59 MINUTES', 3_540],
    ['23Hrs', 82_800],
    ['007s', 7],
    ['3600 Seconds', 3_600],
    ['1 Week', 604_800],
    ['9007199254740991s', Number.MAX_SAFE_INTEGER],
    ['0000000000000000000000001s', 1],
  ])('%j parses to %i', (text, seconds) => {
    expect(parseDuration(text)).toEqual({ ok: true, seconds });
  });

  it.each([
    '',
    '   ',
    'soon',
    'h',
    '10',
    '0h',
    '000s',
    '-5m',
    '+5m',
    '1.5h',
    '1h30m',
    '5 parsecs',
    '1 h s',
    '1ms',
    '1y',
    '١h', // Arabic-Indic digit one
    '1 \u212A', // Kelvin sign: Unicode lower-cases it to "k", we do not
    '1 w\u212A',
    '9007199254740992s', // MAX_SAFE_INTEGER + 1
    '1000000000000000w', // overflows the safe range once multiplied
    '99999999999999999999999999999h',
    'h1',
    '1_000s',
    '0x10s',
  ])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toEqual({ ok: false });
  });

  it('never throws and returns a positive safe integer or {ok:false} (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const r = parseDuration(text);
        if (r.ok) {
          expect(Number.isSafeInteger(r.seconds)).toBe(true);
          expect(r.seconds).toBeGreaterThan(0);
        } else {
          expect(r).toEqual({ ok: false });
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('agrees with a BigInt reference for digits + whitespace + unit (property)', () => {
    const unitArb = fc.constantFrom(
      ...UNITS.flatMap(([size, names]) => names.map((n) => ({ n, size }))),
    );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{1,20}$/),
        fc.constantFrom('', ' ', '  ', '\t'),
        unitArb,
        (digits, gap, { n, size }) => {
          const exact = BigInt(digits) * BigInt(size);
          const expected =
            exact > 0n && exact <= BigInt(Number.MAX_SAFE_INTEGER)
              ? { ok: true, seconds: Number(exact) }
              : { ok: false };
          expect(parseDuration(`${digits}${gap}${n}`)).toEqual(expected);
        },
      ),
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1s'],
    [59, '59s'],
    [60, '1m'],
    [90, '90s'],
    [900, '15m'],
    [3_600, '1h'],
    [5_400, '90m'],
    [86_400, '1d'],
    [90_000, '25h'],
    [604_800, '1w'],
    [1_209_600, '2w'],
    [691_200, '8d'],
  ])('%i seconds is %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])(
    'rejects %d as a programmer error',
    (seconds) => {
      expect(() => formatDuration(seconds)).toThrow(RangeError);
    },
  );

  it('round-trips through parseDuration (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (seconds) => {
        expect(parseDuration(formatDuration(seconds))).toEqual({ ok: true, seconds });
      }),
    );
  });
});
