import { describe, expect, it } from 'vitest';
import { cborMap, encodeCbor, type CborWritable } from './cbor-encode.js';

const h = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const toH = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('encodeCbor (RFC 8949 Appendix A)', () => {
  it.each<[CborWritable, string]>([
    [0, '00'],
    [1, '01'],
    [10, '0a'],
    [23, '17'],
    [24, '1818'],
    [25, '1819'],
    [100, '1864'],
    [255, '18ff'],
    [256, '190100'],
    [1000, '1903e8'],
    [65535, '19ffff'],
    [65536, '1a00010000'],
    [1000000, '1a000f4240'],
    [4294967295, '1affffffff'],
    [4294967296, '1b0000000100000000'],
    [1000000000000, '1b000000e8d4a51000'],
    [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
    [18446744073709551615n, '1bffffffffffffffff'],
    [-18446744073709551616n, '3bffffffffffffffff'],
    [-1, '20'],
    [-10, '29'],
    [-24, '37'],
    [-25, '3818'],
    [-100, '3863'],
    [-1000, '3903e7'],
    ['', '60'],
    ['a', '6161'],
    ['IETF', '6449455446'],
    ['"\\', '62225c'],
    ['\u00fc', '62c3bc'],
    ['\u6c34', '63e6b0b4'],
    [new Uint8Array(), '40'],
    [h('01020304'), '4401020304'],
    [[], '80'],
    [[1, 2, 3], '83010203'],
    [[1, [2, 3], [4, 5]], '8301820203820405'],
    [
      Array.from({ length: 25 }, (_, i) => i + 1),
      '98190102030405060708090a0b0c0d0e0f101112131415161718181819',
    ],
    [cborMap([]), 'a0'],
    [
      cborMap([
        [1, 2],
        [3, 4],
      ]),
      'a201020304',
    ],
    [
      cborMap([
        ['a', 1],
        ['b', [2, 3]],
      ]),
      'a26161016162820203',
    ],
    [['a', cborMap([['b', 'c']])], '826161a161626163'],
  ])('%s → %s', (value, hex) => {
    expect(toH(encodeCbor(value))).toBe(hex);
  });

  it('writes map keys in the order given, never sorted', () => {
    expect(
      toH(
        encodeCbor(
          cborMap([
            ['bb', 1],
            ['a', 2],
          ]),
        ),
      ),
    ).toBe('a2626262016161' + '02');
  });

  it('writes a long byte string with a 2-byte length', () => {
    expect(toH(encodeCbor(new Uint8Array(300))).slice(0, 6)).toBe('59012c');
  });

  it.each<[string, CborWritable]>([
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['an unsafe number', 2 ** 60],
    ['2^64', 1n << 64n],
    ['-2^64 - 1', -(1n << 64n) - 1n],
  ])('refuses %s (programmer error)', (_label, value) => {
    expect(() => encodeCbor(value)).toThrow(RangeError);
  });
});
