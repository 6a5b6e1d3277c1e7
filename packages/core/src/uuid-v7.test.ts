import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UuidV7Schema } from './schemas/primitives.js';
import { UUID_V7_MAX_MS, UUID_V7_RANDOM_BYTES, uuidV7 } from './uuid-v7.js';

const zeros = new Uint8Array(UUID_V7_RANDOM_BYTES);
const ones = new Uint8Array(UUID_V7_RANDOM_BYTES).fill(0xff);

describe('uuidV7', () => {
  it.each([
    [0, zeros, '00000000-0000-7000-8000-000000000000'],
    [0, ones, '00000000-0000-7fff-bfff-ffffffffffff'],
    [UUID_V7_MAX_MS, zeros, 'ffffffff-ffff-7000-8000-000000000000'],
    // RFC 9562 Appendix A.6: 2022-02-22T19:22:22Z = 0x017F22E279B0.
    [
      0x017f22e279b0,
      Uint8Array.of(0xcc, 0xc3, 0x18, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f),
      '017f22e2-79b0-7cc3-98c4-dc0c0c07398f',
    ],
  ])('formats %s', (ms, random, expected) => {
    expect(uuidV7(ms, random)).toBe(expected);
  });

  it('rejects a bad clock or randomness length', () => {
    for (const ms of [-1, 1.5, UUID_V7_MAX_MS + 1, Number.NaN]) {
      expect(() => uuidV7(ms, zeros)).toThrow(RangeError);
    }
    expect(() => uuidV7(0, new Uint8Array(9))).toThrow(RangeError);
    expect(() => uuidV7(0, new Uint8Array(11))).toThrow(RangeError);
  });

  it('always matches UuidV7Schema, keeps the timestamp, and sorts by millisecond', () => {
    const random = fc.uint8Array({ minLength: 10, maxLength: 10 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: UUID_V7_MAX_MS }), random, (ms, r) => {
        const id = uuidV7(ms, r);
        expect(UuidV7Schema.safeParse(id).success).toBe(true);
        expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(ms);
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: UUID_V7_MAX_MS - 1 }),
        random,
        random,
        (ms, a, b) => uuidV7(ms, a) < uuidV7(ms + 1, b),
      ),
    );
  });
});
