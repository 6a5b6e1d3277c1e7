import { describe, expect, it } from 'vitest';
import { CursorSchema } from '@fedplane/core';
import { decodeCursor, encodeCursor } from './pending-cursor.js';

describe('pending cursor', () => {
  it('round-trips positions and fits the wire cursor schema', () => {
    for (const position of [
      { requestedAtMs: 0, id: '01JD2M6R4V8X0Z2B4D6F8H0K2M' },
      { requestedAtMs: 1_900_000_000_123, id: '0190f3a2-0000-7000-8000-000000000000' },
    ]) {
      const cursor = encodeCursor(position);
      expect(CursorSchema.safeParse(cursor).success).toBe(true);
      expect(decodeCursor(cursor)).toEqual(position);
    }
  });

  it('refuses cursors it did not mint', () => {
    const bad = [
      'AAAA',
      Buffer.from('12').toString('base64url'),
      Buffer.from('.abc').toString('base64url'),
      Buffer.from('-1.abc').toString('base64url'),
      Buffer.from('1.a b').toString('base64url'),
      Buffer.from('1.').toString('base64url'),
      Buffer.from(`1.${'a'.repeat(65)}`).toString('base64url'),
      `${encodeCursor({ requestedAtMs: 5, id: 'abc' })}A`,
    ];
    for (const cursor of bad) expect(decodeCursor(cursor), cursor).toBeUndefined();
  });
});
