import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRfc3339, parseRfc3339 } from './rfc3339.js';

describe('parseRfc3339', () => {
  it.each([
    ['1970-01-01T00:00:00Z', 0],
    ['2026-01-01T08:00:00.001Z', 1767254400001],
    ['2026-01-01T01:00:00+01:00', 1767225600000],
    ['2026-01-01T00:30:00+01:00', 1767223800000],
    ['2025-12-31T23:45:00Z', 1767224700000],
    ['2026-01-01t00:00:00z', 1767225600000],
    ['2026-01-01T00:00:00-00:00', 1767225600000],
    ['2026-01-01T00:00:00.5Z', 1767225600500],
    ['2026-01-01T00:00:00.0009Z', 1767225600000],
    ['2026-01-01T00:00:00.1239999999999999999999999999999999999Z', 1767225600123],
    ['1969-12-31T23:59:59.999Z', -1],
    ['2024-02-29T12:00:00Z', 1709208000000],
    ['2000-02-29T00:00:00Z', 951782400000],
    ['0000-01-01T00:00:00Z', -62167219200000],
    [
      '9999-12-31T23:59:59.999+23:59',
      Date.UTC(9999, 11, 31, 23, 59, 59, 999) - (23 * 60 + 59) * 60000,
    ],
  ])('%j → %d', (text, instantMs) => {
    expect(parseRfc3339(text)).toEqual({ ok: true, instantMs });
  });

  it.each([
    ['', 'not_rfc3339'],
    ['2026-01-01', 'not_rfc3339'],
    ['2026-01-01T00:00:00', 'not_rfc3339'],
    ['2026-01-01 00:00:00Z', 'not_rfc3339'],
    ['2026-01-01T00:00Z', 'not_rfc3339'],
    ['2026-01-01T00:00:00.Z', 'not_rfc3339'],
    ['2026-01-01T00:00:00+0100', 'not_rfc3339'],
    ['2026-01-01T00:00:00+01', 'not_rfc3339'],
    ['26-01-01T00:00:00Z', 'not_rfc3339'],
    [' 2026-01-01T00:00:00Z', 'not_rfc3339'],
    ['2026-01-01T00:00:00Z ', 'not_rfc3339'],
    ['２０２６-01-01T00:00:00Z', 'not_rfc3339'],
    ['2026-13-01T00:00:00Z', 'field_out_of_range'],
    ['2026-00-01T00:00:00Z', 'field_out_of_range'],
    ['2026-01-00T00:00:00Z', 'field_out_of_range'],
    ['2026-02-29T00:00:00Z', 'field_out_of_range'],
    ['1900-02-29T00:00:00Z', 'field_out_of_range'],
    ['2026-04-31T00:00:00Z', 'field_out_of_range'],
    ['2026-01-01T24:00:00Z', 'field_out_of_range'],
    ['2026-01-01T00:60:00Z', 'field_out_of_range'],
    ['2016-12-31T23:59:60Z', 'field_out_of_range'],
    ['2026-01-01T00:00:00+24:00', 'field_out_of_range'],
    ['2026-01-01T00:00:00+01:60', 'field_out_of_range'],
  ])('refuses %j (%s)', (text, problem) => {
    expect(parseRfc3339(text)).toEqual({ ok: false, problem });
    expect(isRfc3339(text)).toBe(false);
  });

  it('agrees with Date.parse on millisecond timestamps with offsets', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0100-01-01T00:00:00Z'),
          max: new Date('9999-12-30T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (date, offsetMinutes) => {
          const local = new Date(date.getTime() + offsetMinutes * 60_000)
            .toISOString()
            .slice(0, 23);
          const abs = Math.abs(offsetMinutes);
          const offset = `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const text = local + offset;
          expect(parseRfc3339(text)).toEqual({ ok: true, instantMs: Date.parse(text) });
          expect(parseRfc3339(text)).toEqual({ ok: true, instantMs: date.getTime() });
        },
      ),
    );
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 48 }), (text) => {
        const result = parseRfc3339(text);
        if (result.ok) expect(Number.isSafeInteger(result.instantMs)).toBe(true);
        else expect(['not_rfc3339', 'field_out_of_range']).toContain(result.problem);
      }),
    );
  });
});
