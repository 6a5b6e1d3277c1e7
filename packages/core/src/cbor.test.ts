import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CBOR_MAX_DEPTH, decodeCbor, type CborErrorTag, type CborItem } from './cbor.js';
import { cborMap, encodeCbor, type CborWritable } from './cbor-encode.js';

const h = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

const ERROR_TAGS: readonly CborErrorTag[] = [
  'cbor_truncated',
  'cbor_trailing_bytes',
  'cbor_reserved_info',
  'cbor_invalid_utf8',
  'cbor_duplicate_key',
  'cbor_too_deep',
  'cbor_length_exceeds_input',
  'cbor_not_well_formed',
];

/** The tree the reader should produce for a value written by the writer. */
function expectedTree(value: CborWritable): CborItem {
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = BigInt(value);
    return n >= 0n ? { kind: 'uint', value: n } : { kind: 'nint', value: n };
  }
  if (typeof value === 'string') return { kind: 'text', value };
  if (value instanceof Uint8Array) return { kind: 'bytes', value };
  if (Array.isArray(value)) return { kind: 'array', items: value.map(expectedTree) };
  const map = value as ReturnType<typeof cborMap>;
  return {
    kind: 'map',
    entries: map.entries.map(([k, v]) => ({ key: expectedTree(k), value: expectedTree(v) })),
  };
}

function decoded(bytes: Uint8Array): CborItem {
  const result = decodeCbor(bytes);
  if (!result.ok) throw new Error(`unexpected ${result.error.tag}`);
  return result.value;
}

describe('decodeCbor (RFC 8949 Appendix A)', () => {
  it.each<[string, CborWritable]>([
    ['00', 0],
    ['17', 23],
    ['1818', 24],
    ['1b000000e8d4a51000', 1000000000000],
    ['1bffffffffffffffff', 18446744073709551615n],
    ['3bffffffffffffffff', -18446744073709551616n],
    ['20', -1],
    ['3903e7', -1000],
    ['60', ''],
    ['62c3bc', '\u00fc'],
    ['63e6b0b4', '\u6c34'],
    ['40', new Uint8Array()],
    ['4401020304', h('01020304')],
    ['80', []],
    ['8301820203820405', [1, [2, 3], [4, 5]]],
    [
      '98190102030405060708090a0b0c0d0e0f101112131415161718181819',
      Array.from({ length: 25 }, (_, i) => i + 1),
    ],
    ['a0', cborMap([])],
    [
      'a201020304',
      cborMap([
        [1, 2],
        [3, 4],
      ]),
    ],
    ['826161a161626163', ['a', cborMap([['b', 'c']])]],
  ])('%s', (hex, value) => {
    expect(decoded(h(hex))).toEqual(expectedTree(value));
  });
});

describe('decodeCbor errors', () => {
  const deep = (levels: number) => h('81'.repeat(levels) + '00');

  it.each<[string, string, CborErrorTag, number]>([
    ['empty input', '', 'cbor_truncated', 0],
    ['missing 1-byte argument', '18', 'cbor_truncated', 1],
    ['short 4-byte argument', '1a0000', 'cbor_truncated', 1],
    ['missing array item', '820118', 'cbor_truncated', 3],
    ['array count beyond input', '8201', 'cbor_length_exceeds_input', 1],
    ['text longer than input', '6261', 'cbor_length_exceeds_input', 1],
    ['huge byte string', '5bffffffffffffffff00', 'cbor_length_exceeds_input', 9],
    ['huge array', '9b00000000ffffffff00', 'cbor_length_exceeds_input', 9],
    ['map count beyond input', 'a3010203', 'cbor_length_exceeds_input', 1],
    ['trailing byte', '0000', 'cbor_trailing_bytes', 1],
    ['reserved info 28', '1c', 'cbor_reserved_info', 0],
    ['reserved info 29 (negative)', '3d', 'cbor_reserved_info', 0],
    ['reserved info 30 (text)', '7e', 'cbor_reserved_info', 0],
    ['invalid UTF-8', '62c328', 'cbor_invalid_utf8', 0],
    ['lone continuation byte', '6180', 'cbor_invalid_utf8', 0],
    ['UTF-16 surrogate', '63eda080', 'cbor_invalid_utf8', 0],
    ['duplicate text key', 'a2616101616102', 'cbor_duplicate_key', 4],
    ['duplicate disguised by a long length', 'a2616101780161' + '02', 'cbor_duplicate_key', 4],
    ['duplicate integer key', 'a201010102', 'cbor_duplicate_key', 3],
    ['duplicate integer disguised', 'a20101180102', 'cbor_duplicate_key', 3],
    ['duplicate array key', 'a2810101810102', 'cbor_duplicate_key', 4],
    ['duplicate nested inside an array', '81a2616101616102', 'cbor_duplicate_key', 5],
    ['indefinite integer', '1f', 'cbor_not_well_formed', 0],
    ['indefinite tag', 'df00', 'cbor_not_well_formed', 0],
    ['lone break', 'ff', 'cbor_not_well_formed', 0],
    ['break as map value', 'bf6161ff', 'cbor_not_well_formed', 3],
    ['wrong chunk type', '5f6161ff', 'cbor_not_well_formed', 1],
    ['nested indefinite chunk', '5f5fffff', 'cbor_not_well_formed', 1],
    ['unterminated indefinite array', '9f01', 'cbor_truncated', 2],
    ['two-byte simple value below 32', 'f810', 'cbor_not_well_formed', 0],
    ['truncated float', 'fb0000', 'cbor_truncated', 1],
    ['invalid UTF-8 in a chunk', '7f61ffff', 'cbor_invalid_utf8', 1],
    ['duplicate key in an indefinite map', 'bf616101616102ff', 'cbor_duplicate_key', 4],
  ])('%s', (_label, hex, tag, offset) => {
    expect(decodeCbor(h(hex))).toEqual({ ok: false, error: { tag, offset } });
  });

  it(`accepts ${CBOR_MAX_DEPTH} levels of nesting below the top item and refuses one more`, () => {
    expect(decodeCbor(deep(CBOR_MAX_DEPTH)).ok).toBe(true);
    expect(decodeCbor(deep(CBOR_MAX_DEPTH + 1))).toMatchObject({
      ok: false,
      error: { tag: 'cbor_too_deep' },
    });
    expect(decodeCbor(deep(3), { maxDepth: 2 })).toMatchObject({
      ok: false,
      error: { tag: 'cbor_too_deep' },
    });
    expect(decodeCbor(h('c1'.repeat(100) + '00'))).toMatchObject({
      ok: false,
      error: { tag: 'cbor_too_deep' },
    });
  });

  it('refuses a deep nest of 100 000 levels without exhausting the stack', () => {
    expect(decodeCbor(deep(100_000))).toMatchObject({ ok: false, error: { tag: 'cbor_too_deep' } });
  });
});

describe('decodeCbor other well-formed items', () => {
  it.each<[string, string, number]>([
    ['a tag', 'c11a514b67b0', 6],
    ['a half float', 'f93c00', 7],
    ['a single float', 'fa47c35000', 7],
    ['a double float', 'fb3ff199999999999a', 7],
    ['false', 'f4', 7],
    ['a one-byte simple value', 'f820', 7],
    ['an indefinite array', '9f0102ff', 4],
    ['an indefinite map', 'bf616101616202ff', 5],
    ['an indefinite text', '7f61616162ff', 3],
    ['an indefinite byte string', '5f4101ff', 2],
  ])('%s is an opaque other node', (_label, hex, major) => {
    expect(decoded(h(hex))).toEqual({ kind: 'other', major });
  });

  it('keeps other nodes in place inside maps', () => {
    expect(decoded(h('a26161f66162c100'))).toEqual({
      kind: 'map',
      entries: [
        { key: { kind: 'text', value: 'a' }, value: { kind: 'other', major: 7 } },
        { key: { kind: 'text', value: 'b' }, value: { kind: 'other', major: 6 } },
      ],
    });
  });

  it('keeps a leading byte-order mark as a character', () => {
    expect(decoded(h('64efbbbf61'))).toEqual({ kind: 'text', value: '\ufeffa' });
  });

  it('reads non-shortest arguments (well-formed, if not canonical)', () => {
    expect(decoded(h('1b0000000000000001'))).toEqual({ kind: 'uint', value: 1n });
    expect(decoded(h('3b7fffffffffffffff'))).toEqual({ kind: 'nint', value: -(1n << 63n) });
  });
});

const writableArb: fc.Arbitrary<CborWritable> = fc.letrec<{ value: CborWritable }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc.bigInt({ min: -(1n << 64n), max: (1n << 64n) - 1n }),
    fc.string({ unit: 'grapheme' }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .uniqueArray(fc.tuple(fc.string(), tie('value')), { maxLength: 4, selector: ([k]) => k })
      .map((entries) => cborMap(entries)),
  ),
})).value;

describe('decodeCbor properties', () => {
  it('decodes what the writer writes (round trip)', () => {
    fc.assert(
      fc.property(writableArb, (value) => {
        expect(decoded(encodeCbor(value))).toEqual(expectedTree(value));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes and returns an item or a known error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const result = decodeCbor(bytes);
        if (!result.ok) {
          expect(ERROR_TAGS).toContain(result.error.tag);
          expect(result.error.offset).toBeGreaterThanOrEqual(0);
          expect(result.error.offset).toBeLessThanOrEqual(bytes.byteLength);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on mutated or truncated valid encodings', () => {
    fc.assert(
      fc.property(
        writableArb,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (value, at, byte, cut) => {
          const bytes = encodeCbor(value).slice();
          const i = at % bytes.byteLength;
          bytes[i] = byte;
          const result = decodeCbor(cut ? bytes.subarray(0, i) : bytes);
          if (!result.ok) expect(ERROR_TAGS).toContain(result.error.tag);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
