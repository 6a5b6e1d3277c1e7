import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytesEqual,
  concatBytes,
  fromBase64,
  fromHex,
  fromUtf8,
  toBase64,
  toHex,
  utf8,
} from './bytes.js';

describe('hex', () => {
  it('round-trips any bytes and is lowercase', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = toHex(bytes);
        expect(text).toBe(text.toLowerCase());
        expect(fromHex(text)).toEqual(bytes);
      }),
    );
  });

  it.each(['0', 'abc', 'zz', '0g', ' 00', '00 '])('rejects %j', (text) => {
    expect(fromHex(text)).toBeUndefined();
  });

  it('accepts upper-case digits', () => {
    expect(fromHex('AbCd')).toEqual(Uint8Array.from([0xab, 0xcd]));
  });

  it('respects subarray views', () => {
    const view = Uint8Array.from([1, 2, 3, 4]).subarray(1, 3);
    expect(toHex(view)).toBe('0203');
    expect(toBase64(view)).toBe('AgM=');
  });
});

describe('base64', () => {
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        expect(fromBase64(toBase64(bytes))).toEqual(bytes);
      }),
    );
  });

  it.each([
    ['AAA', 'missing padding'],
    ['AA=A', 'padding inside'],
    ['AB==', 'non-zero trailing bits'],
    ['A-_A', 'url alphabet'],
    ['AAAA\n', 'whitespace'],
    ['====', 'padding only'],
  ])('rejects %j (%s)', (text) => {
    expect(fromBase64(text)).toBeUndefined();
  });

  it('never throws and only accepts its own canonical output', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const bytes = fromBase64(text);
        if (bytes !== undefined) expect(toBase64(bytes)).toBe(text);
      }),
    );
  });
});

describe('utf8', () => {
  it('round-trips strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(fromUtf8(utf8(s))).toBe(s);
      }),
    );
  });

  it('keeps a leading byte-order mark', () => {
    expect(fromUtf8(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61))).toBe('\ufeffa');
  });

  it('rejects invalid sequences', () => {
    expect(fromUtf8(Uint8Array.from([0xc3, 0x28]))).toBeUndefined();
    expect(fromUtf8(Uint8Array.from([0xff]))).toBeUndefined();
  });
});

describe('concatBytes and bytesEqual', () => {
  it('concatenates in order', () => {
    expect(concatBytes(Uint8Array.of(1), new Uint8Array(), Uint8Array.of(2, 3))).toEqual(
      Uint8Array.of(1, 2, 3),
    );
  });

  it('compares by content and length', () => {
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(bytesEqual(Uint8Array.of(1), Uint8Array.of(1, 2))).toBe(false);
  });
});
