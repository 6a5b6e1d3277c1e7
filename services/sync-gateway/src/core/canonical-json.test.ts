import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, parseCanonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('writes primitives as JSON.stringify does', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(1.5)).toBe('1.5');
    expect(canonicalJson('a"\n')).toBe('"a\\"\\n"');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
  });

  it('orders integer-like keys as text, not numerically', () => {
    expect(canonicalJson({ '10': 1, '9': 2, a: 3 })).toBe('{"10":1,"9":2,"a":3}');
  });

  it('is independent of key insertion order and round-trips through JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(parseCanonicalJson(text)?.value).toEqual(JSON.parse(text));
      }),
    );
  });

  it('recognises non-canonical text, and gives the value of canonical text', () => {
    expect(parseCanonicalJson('{"b":1,"a":2}')).toBeUndefined();
    expect(parseCanonicalJson('{"a": 2}')).toBeUndefined();
    expect(parseCanonicalJson('not json')).toBeUndefined();
    expect(parseCanonicalJson('{"a":2,"b":1}')).toEqual({ value: { a: 2, b: 1 } });
  });
});
