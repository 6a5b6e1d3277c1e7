/**
 * Durations as written in the inventory: `<int><unit>` (reference §2.8, `parse_duration_string`).
 *
 * Grammar, after trimming surrounding whitespace and lower-casing ASCII letters: a run of ASCII
 * digits, optional whitespace, then exactly one unit:
 * `s|sec|secs|second|seconds`, `m|min|mins|minute|minutes`, `h|hr|hrs|hour|hours`,
 * `d|day|days`, `w|wk|wks|week|weeks`. The value must be > 0. No sign, no fraction, no compound
 * (`1h30m`), no bare number.
 *
 * Lower-casing is ASCII-only on purpose: Unicode case folding would accept look-alikes such as the
 * Kelvin sign (U+212A) in `1 WK`, which no operator means to write.
 */

const SECONDS_PER_UNIT: ReadonlyMap<string, number> = new Map([
  ...['s', 'sec', 'secs', 'second', 'seconds'].map((u) => [u, 1] as const),
  ...['m', 'min', 'mins', 'minute', 'minutes'].map((u) => [u, 60] as const),
  ...['h', 'hr', 'hrs', 'hour', 'hours'].map((u) => [u, 3_600] as const),
  ...['d', 'day', 'days'].map((u) => [u, 86_400] as const),
  ...['w', 'wk', 'wks', 'week', 'weeks'].map((u) => [u, 604_800] as const),
]);

/** Units `formatDuration` writes, largest first. */
const FORMAT_UNITS: readonly (readonly [suffix: string, seconds: number])[] = [
  ['w', 604_800],
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
];

const DURATION_SHAPE = /^([0-9]+)\s*([a-z]+)$/;

/** Outcome of {@link parseDuration}: whole seconds (> 0, a safe integer), or not a duration. */
export type DurationParse =
  { readonly ok: true; readonly seconds: number } | { readonly ok: false };

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/**
 * Parses an inventory duration into whole seconds.
 *
 * Inputs: any string. Output: `{ok: true, seconds}` with `seconds` a positive safe integer, or
 * `{ok: false}` (unknown unit, no digits, zero, sign, fraction, or a value too large to represent
 * exactly). Pure; never throws.
 */
export function parseDuration(text: string): DurationParse {
  const match = DURATION_SHAPE.exec(asciiLower(text.trim()));
  if (match === null) return { ok: false };
  const [, digits = '', unit = ''] = match;
  const perUnit = SECONDS_PER_UNIT.get(unit);
  if (perUnit === undefined) return { ok: false };
  // Leading zeros are allowed ("007s"); strip them so the length check below bounds the value.
  const significant = digits.replace(/^0+/, '');
  if (significant.length === 0) return { ok: false }; // zero
  if (significant.length > 16) return { ok: false }; // > 9.9e15: beyond any exact seconds value
  const seconds = Number(significant) * perUnit;
  if (!Number.isSafeInteger(seconds)) return { ok: false };
  return { ok: true, seconds };
}

/**
 * Writes seconds in the largest unit that divides them exactly (`3600` → `1h`, `5400` → `90m`,
 * `0` → `0s`). `parseDuration(formatDuration(s))` gives back `s` for every positive safe integer.
 * Throws `RangeError` for a negative, fractional or unsafe number (a programmer error).
 */
export function formatDuration(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new RangeError(`formatDuration: expected a non-negative safe integer, got ${seconds}`);
  }
  if (seconds === 0) return '0s';
  const [suffix, size] = FORMAT_UNITS.find(([, unit]) => seconds % unit === 0) ?? ['s', 1];
  return `${seconds / size}${suffix}`;
}
