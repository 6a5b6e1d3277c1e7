import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, UuidV7Schema, Rfc3339MsSchema, fromUtf8, parseEvent } from '@fedplane/core';
import { buildEvent, newEventStamp, type EventInput } from './event.js';

const base: EventInput = {
  type: 'test.happened',
  actor: 'region/nyc/node-1',
  data: { n: 1 },
  id: '017f22e2-79b0-7cc3-98c4-dc0c0c07398f',
  at: '2022-02-22T19:22:22.000Z',
};

function refusal(input: EventInput): AppError {
  try {
    buildEvent(input);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('newEventStamp', () => {
  it('gives a UUIDv7 of that millisecond and the RFC 3339 ms time', () => {
    const stamp = newEventStamp(0x017f22e279b0);
    expect(UuidV7Schema.safeParse(stamp.id).success).toBe(true);
    expect(stamp.id.startsWith('017f22e2-79b0-7')).toBe(true);
    expect(stamp.at).toBe('2022-02-22T19:22:22.000Z');
    expect(Rfc3339MsSchema.safeParse(newEventStamp().at).success).toBe(true);
    expect(newEventStamp(5).id).not.toBe(newEventStamp(5).id);
  });
});

describe('buildEvent', () => {
  it('writes the fields in the bus.md order, optional ones only when set', () => {
    expect(fromUtf8(buildEvent(base))).toBe(
      '{"id":"017f22e2-79b0-7cc3-98c4-dc0c0c07398f","type":"test.happened","actor":"region/nyc/node-1","at":"2022-02-22T19:22:22.000Z","data":{"n":1}}',
    );
    const full = fromUtf8(buildEvent({ ...base, subject: 'host:a.b', cause: 'req-1' }));
    expect(full).toBe(
      '{"id":"017f22e2-79b0-7cc3-98c4-dc0c0c07398f","type":"test.happened","actor":"region/nyc/node-1","subject":"host:a.b","at":"2022-02-22T19:22:22.000Z","cause":"req-1","data":{"n":1}}',
    );
  });

  it('refuses envelopes the auditor would refuse', () => {
    expect(refusal({ ...base, actor: 'a b' })).toMatchObject({
      code: 'BAD_REQUEST',
      details: { tag: 'invalid_envelope' },
    });
    expect(refusal({ ...base, id: 'nope' }).code).toBe('BAD_REQUEST');
    expect(refusal({ ...base, at: '2022-02-22T19:22:22Z' }).code).toBe('BAD_REQUEST');
    expect(refusal({ ...base, type: 'Bad' }).code).toBe('BAD_REQUEST');
    expect(refusal({ ...base, data: { big: 'x'.repeat(70_000) } })).toMatchObject({
      code: 'TOO_LARGE',
      details: { max: 65_536 },
    });
    expect(refusal({ ...base, data: { n: 1n } }).message).toBe('event is not JSON');
  });

  it('checks catalogued types against their data schema', () => {
    expect(refusal({ ...base, type: 'credential.issued', data: {} })).toMatchObject({
      code: 'BAD_REQUEST',
      details: { tag: 'invalid_data', type: 'credential.issued' },
    });
  });

  it('property: what it builds parses back to the same fields', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ maxLength: 8 }),
          fc.oneof(fc.string(), fc.integer(), fc.boolean()),
        ),
        (data) => {
          const parsed = parseEvent(buildEvent({ ...base, data }));
          expect(parsed.ok && parsed.value.data).toEqual(data);
        },
      ),
      { numRuns: 100 },
    );
  });
});
