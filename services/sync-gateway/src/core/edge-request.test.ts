import { describe, expect, it } from 'vitest';
import { headerValue, senderWallClockMs, splitTarget } from './edge-request.js';

describe('headerValue', () => {
  it('keeps a single value and folds a repeated header', () => {
    expect(headerValue(undefined)).toBeUndefined();
    expect(headerValue('')).toBe('');
    expect(headerValue('a')).toBe('a');
    expect(headerValue(['a', 'b'])).toBe('a, b');
  });
});

describe('splitTarget', () => {
  it('splits at the first ? and keeps the query verbatim', () => {
    expect(splitTarget('/api/v1/sync/since')).toEqual({ path: '/api/v1/sync/since', rawQuery: '' });
    expect(splitTarget('/api/v1/sync/since?')).toEqual({
      path: '/api/v1/sync/since',
      rawQuery: '',
    });
    expect(splitTarget('/p?since=2026-01-01T00%3A00%3A00Z&peer=a%2Fb?x')).toEqual({
      path: '/p',
      rawQuery: 'since=2026-01-01T00%3A00%3A00Z&peer=a%2Fb?x',
    });
  });
});

describe('senderWallClockMs', () => {
  it('is null when the body is not an object or does not carry it', () => {
    expect(senderWallClockMs(undefined)).toBeNull();
    expect(senderWallClockMs(null)).toBeNull();
    expect(senderWallClockMs([1])).toBeNull();
    expect(senderWallClockMs('text')).toBeNull();
    expect(senderWallClockMs({})).toBeNull();
    expect(senderWallClockMs({ sender_wall_clock: null })).toBeNull();
  });

  it('reads an RFC 3339 instant in any offset', () => {
    expect(senderWallClockMs({ sender_wall_clock: '2026-01-01T00:00:00.000Z' })).toBe(
      Date.UTC(2026, 0, 1),
    );
    expect(senderWallClockMs({ sender_wall_clock: '2026-01-01T01:00:00+01:00' })).toBe(
      Date.UTC(2026, 0, 1),
    );
  });

  it('is NaN for a value that is there but not a timestamp', () => {
    expect(senderWallClockMs({ sender_wall_clock: 'yesterday' })).toBeNaN();
    expect(senderWallClockMs({ sender_wall_clock: 1_700_000_000 })).toBeNaN();
  });
});
