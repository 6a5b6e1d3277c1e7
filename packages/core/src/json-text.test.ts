import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonText } from './json-text.js';

describe('parseJsonText', () => {
  it('parses JSON', () => {
    expect(parseJsonText('{"a":[1,true,null]}')).toEqual({
      ok: true,
      value: { a: [1, true, null] },
    });
  });

  it('reports malformed text as a value, with a capped message', () => {
    const result = parseJsonText(`{"a": ${'x'.repeat(500)}`);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.tag).toBe('invalid_json');
      expect(result.error.message.length).toBeLessThanOrEqual(200);
    }
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(() => parseJsonText(text)).not.toThrow();
      }),
    );
  });
});
