import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_MAX_BYTES, EventEnvelopeSchema, parseEvent } from './event.js';

const EVENT = {
  id: '01ba60d3-387b-75f3-bf20-e67e0ef9a937',
  type: 'node.enrolled',
  actor: 'svc/issuer/i-1',
  subject: 'region/nyc/node-1',
  at: '2030-03-17T17:46:40.123Z',
  cause: '01JD2M6R4V8X0Z2B4D6F8H0K2M',
  data: { region: 'nyc', attestor: 'join-token', generation: 1 },
};
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('parseEvent', () => {
  it('parses bytes and text alike', () => {
    expect(parseEvent(bytes(EVENT))).toEqual({ ok: true, value: EVENT });
    expect(parseEvent(JSON.stringify(EVENT))).toEqual({ ok: true, value: EVENT });
  });

  it('accepts a ULID id and omits optional fields', () => {
    const { type, actor, at } = EVENT;
    const value = { id: '01JD2M6R4V8X0Z2B4D6F8H0K2M', type, actor, at, data: {} };
    expect(parseEvent(JSON.stringify(value))).toEqual({ ok: true, value });
  });

  it.each([
    ['unknown top-level key', { ...EVENT, extra: 1 }, ''],
    ['UUIDv4 id', { ...EVENT, id: '3f2a8c1e-1b2c-4d3e-8f40-5a6b7c8d9e0f' }, 'id'],
    ['free-form id', { ...EVENT, id: 'event-1' }, 'id'],
    ['type with one segment', { ...EVENT, type: 'enrolled' }, 'type'],
    ['type with three segments', { ...EVENT, type: 'a.b.c' }, 'type'],
    ['upper-case type', { ...EVENT, type: 'Node.enrolled' }, 'type'],
    ['actor with a space', { ...EVENT, actor: 'a b' }, 'actor'],
    ['subject with a wildcard', { ...EVENT, subject: 'node.*' }, 'subject'],
    ['at without milliseconds', { ...EVENT, at: '2030-03-17T17:46:40Z' }, 'at'],
    ['at with an offset', { ...EVENT, at: '2030-03-17T17:46:40.123+00:00' }, 'at'],
    ['at on 30 February', { ...EVENT, at: '2030-02-30T17:46:40.123Z' }, 'at'],
    ['data an array', { ...EVENT, data: [] }, 'data'],
    ['data null', { ...EVENT, data: null }, 'data'],
    ['missing data', { ...EVENT, data: undefined }, 'data'],
    ['missing actor', { ...EVENT, actor: undefined }, 'actor'],
    ['cause a number', { ...EVENT, cause: 7 }, 'cause'],
  ])('refuses %s', (_label, value, path) => {
    const result = parseEvent(JSON.stringify(value));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.tag).toBe('invalid_envelope');
    if (result.error.tag !== 'invalid_envelope') return;
    expect(result.error.issues.map((i) => i.path)).toContain(path);
  });

  it.each([['[]'], ['null'], ['"text"'], ['42']])('refuses the JSON non-object %s', (text) => {
    const result = parseEvent(text);
    expect(!result.ok && result.error.tag).toBe('invalid_envelope');
  });

  it('does not let a __proto__ key reach the parsed data', () => {
    const text = JSON.stringify(EVENT).replace('"data":{', '"data":{"__proto__":{"polluted":1},');
    const result = parseEvent(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.getPrototypeOf(result.value.data)).toBe(Object.prototype);
    expect(result.value.data).toEqual(EVENT.data);
  });

  it('refuses malformed JSON with a typed error', () => {
    const result = parseEvent('{"id":');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.tag).toBe('invalid_json');
  });

  it('refuses invalid UTF-8', () => {
    const body = new Uint8Array([0x7b, 0xff, 0x7d]);
    expect(parseEvent(body)).toEqual({ ok: false, error: { tag: 'invalid_utf8' } });
  });

  it('caps the body size, counting UTF-8 bytes', () => {
    const pad = (n: number) => ({ ...EVENT, data: { note: 'x'.repeat(n) } });
    const base = JSON.stringify(pad(0)).length;
    const atCap = JSON.stringify(pad(EVENT_MAX_BYTES - base));
    expect(new TextEncoder().encode(atCap).byteLength).toBe(EVENT_MAX_BYTES);
    expect(parseEvent(atCap).ok).toBe(true);
    expect(parseEvent(new TextEncoder().encode(atCap)).ok).toBe(true);

    const over = JSON.stringify(pad(EVENT_MAX_BYTES - base + 1));
    const tooLarge = { tag: 'too_large', size: EVENT_MAX_BYTES + 1, max: EVENT_MAX_BYTES };
    expect(parseEvent(over)).toEqual({ ok: false, error: tooLarge });
    expect(parseEvent(new TextEncoder().encode(over))).toEqual({ ok: false, error: tooLarge });

    // 'é' is one UTF-16 unit but two UTF-8 bytes: the text is short enough, the bytes are not.
    const multibyte = JSON.stringify({ ...EVENT, data: { note: 'é'.repeat(EVENT_MAX_BYTES / 2) } });
    expect(multibyte.length).toBeLessThan(EVENT_MAX_BYTES + 100);
    const result = parseEvent(multibyte);
    expect(!result.ok && result.error.tag).toBe('too_large');
    const huge = parseEvent('x'.repeat(EVENT_MAX_BYTES * 4));
    expect(!huge.ok && huge.error.tag).toBe('too_large');
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (body) => {
        const result = parseEvent(body);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random text, and accepts only what the schema accepts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (text) => {
        const result = parseEvent(text);
        if (result.ok) expect(EventEnvelopeSchema.safeParse(JSON.parse(text)).success).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on near-valid envelopes', () => {
    const field = fc.constantFrom('id', 'type', 'actor', 'subject', 'at', 'cause', 'data', 'x');
    fc.assert(
      fc.property(fc.dictionary(field, fc.jsonValue({ maxDepth: 3 })), (patch) => {
        const result = parseEvent(JSON.stringify({ ...EVENT, ...patch }));
        if (!result.ok) expect(result.error.tag).toBe('invalid_envelope');
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on deeply nested data', () => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const text = JSON.stringify({ ...EVENT, data: {} }).replace('"data":{}', `"data":${deep}`);
    expect(parseEvent(text).ok).toBe(true);
    expect(parseEvent('['.repeat(EVENT_MAX_BYTES)).ok).toBe(false);
  });
});
