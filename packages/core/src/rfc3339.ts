/**
 * Strict RFC 3339 timestamps → instants in Unix milliseconds.
 *
 * Accepted form: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (the `T` and `Z` may be lower-case as
 * RFC 3339 §5.6 allows). Calendar fields are range-checked (real month lengths, leap years),
 * offsets are at most ±23:59. Leap seconds (`:60`) are refused: no instant in milliseconds can
 * represent them without colliding with the next second.
 *
 * Sub-millisecond digits are truncated: the instant is `floor(fraction × 1000)` milliseconds past
 * the whole second, so `…00.0009Z` and `…00Z` are the same instant and `…00.1239Z` is `…00.123Z`.
 * Truncation never depends on the platform (no floating point is involved).
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

/** Why a timestamp was refused. */
export type Rfc3339Problem = 'not_rfc3339' | 'field_out_of_range';

/** Result of {@link parseRfc3339}. */
export type Rfc3339Parse =
  | { readonly ok: true; readonly instantMs: number }
  | { readonly ok: false; readonly problem: Rfc3339Problem };

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to the civil date (proleptic Gregorian; H. Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * Parses a strict RFC 3339 timestamp into Unix milliseconds (sub-millisecond digits truncated).
 * Input: any string. Output: the instant, or the problem. Never throws.
 * Invariant: two texts for the same instant (`…T01:00:00+01:00`, `…T00:00:00.000Z`) give the
 * same number.
 */
export function parseRfc3339(text: string): Rfc3339Parse {
  const m = RFC3339.exec(text);
  if (m === null) return { ok: false, problem: 'not_rfc3339' };
  const [, ys, mos, ds, hs, mis, ss, frac, zulu, sign, ohs, oms] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = Number(mis);
  const second = Number(ss);
  const offsetHours = Number(ohs ?? '0');
  const offsetMinutes = Number(oms ?? '0');
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    return { ok: false, problem: 'field_out_of_range' };
  }
  const millis = Number((frac ?? '').padEnd(3, '0').slice(0, 3));
  const offsetMs =
    zulu === undefined
      ? (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * MS_PER_MINUTE
      : 0;
  const instantMs =
    daysFromCivil(year, month, day) * MS_PER_DAY +
    ((hour * 60 + minute) * 60 + second) * 1000 +
    millis -
    offsetMs;
  return { ok: true, instantMs };
}

/** True when `text` is a strict RFC 3339 timestamp ({@link parseRfc3339} accepts it). */
export function isRfc3339(text: string): boolean {
  return parseRfc3339(text).ok;
}
