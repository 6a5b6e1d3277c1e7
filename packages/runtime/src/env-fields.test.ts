import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  envBoolean,
  envDuration,
  envEnum,
  envInteger,
  envPort,
  envRegistry,
  envString,
  envUrl,
  envUrlList,
  parseDurationMs,
} from './env-fields.js';

describe('parseDurationMs', () => {
  it.each<[string, number | undefined]>([
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['0s', 0],
    [' 10 s ', 10_000],
    ['007s', 7_000],
    ['10', undefined],
    ['1.5s', undefined],
    ['-1s', undefined],
    ['1h30m', undefined],
    ['10S', undefined],
    ['10w', undefined],
    ['', undefined],
    ['s', undefined],
    ['999999999999999d', undefined],
  ])('%j → %j', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it('never throws and returns a non-negative safe integer or undefined', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const ms = parseDurationMs(text);
        if (ms !== undefined) {
          expect(Number.isSafeInteger(ms)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });

  it('round-trips every integer and unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.constantFrom(['ms', 1], ['s', 1_000], ['m', 60_000], ['h', 3_600_000]),
        (n, [unit, per]) => {
          expect(parseDurationMs(`${String(n)}${String(unit)}`)).toBe(n * Number(per));
        },
      ),
    );
  });
});

function parse<S extends z.ZodType>(schema: S, value: string | undefined) {
  return schema.safeParse(value);
}

describe('field builders', () => {
  it('envDuration parses to ms, applies and validates the default, enforces minMs', () => {
    const field = envDuration({ description: 'd', default: '10s', minMs: 1 });
    expect(parse(field, '250ms').data).toBe(250);
    expect(parse(field, undefined).data).toBe(10_000);
    expect(parse(field, '0s').success).toBe(false);
    expect(parse(field, 'soon').success).toBe(false);
    expect(parse(envDuration({ description: 'd' }), undefined).success).toBe(false);
    expect(envRegistry.get(field)).toEqual({
      description: 'd',
      type: 'duration',
      defaultText: '10s',
    });
  });

  it('envBoolean accepts the stringbool words', () => {
    const field = envBoolean({ description: 'b', default: false });
    expect(parse(field, 'yes').data).toBe(true);
    expect(parse(field, 'off').data).toBe(false);
    expect(parse(field, undefined).data).toBe(false);
    expect(parse(field, 'maybe').success).toBe(false);
    expect(envRegistry.get(field)?.defaultText).toBe('false');
    expect(parse(envBoolean({ description: 'b' }), undefined).success).toBe(false);
  });

  it('envInteger enforces range and shape', () => {
    const field = envInteger({ description: 'i', min: 1, max: 10, default: 5 });
    expect(parse(field, '7').data).toBe(7);
    expect(parse(field, undefined).data).toBe(5);
    expect(parse(field, '11').success).toBe(false);
    expect(parse(field, '0').success).toBe(false);
    expect(parse(field, '1e1').success).toBe(false);
    expect(parse(field, '-3').success).toBe(false);
    expect(envRegistry.get(field)?.type).toBe('integer 1..10');
    expect(parse(envInteger({ description: 'i', min: -5, max: 5 }), '-3').data).toBe(-3);
  });

  it('envPort accepts 0..65535 only', () => {
    const field = envPort({ description: 'p', default: 8080 });
    expect(parse(field, '0').data).toBe(0);
    expect(parse(field, '65535').data).toBe(65_535);
    expect(parse(field, undefined).data).toBe(8080);
    expect(parse(field, '65536').success).toBe(false);
    expect(parse(field, 'http').success).toBe(false);
    expect(parse(envPort({ description: 'p' }), undefined).success).toBe(false);
  });

  it('envString applies pattern and length, marks secrets', () => {
    const field = envString({
      description: 's',
      pattern: /^[a-z]+$/,
      patternText: 'lowercase',
      minLength: 3,
      maxLength: 5,
      secret: true,
    });
    expect(parse(field, 'abcd').data).toBe('abcd');
    expect(parse(field, 'ab').success).toBe(false);
    expect(parse(field, 'abcdef').success).toBe(false);
    const bad = parse(field, 'ABC');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe('expected lowercase');
    expect(envRegistry.get(field)?.secret).toBe(true);
    const generic = envString({ description: 's', pattern: /^x$/, default: 'x' });
    expect(parse(generic, 'y').error?.issues[0]?.message).toBe('expected a valid value');
    expect(parse(generic, undefined).data).toBe('x');
  });

  it('envEnum lists its values as the type', () => {
    const field = envEnum(['a', 'b'], { description: 'e', default: 'a' });
    expect(parse(field, 'b').data).toBe('b');
    expect(parse(field, undefined).data).toBe('a');
    expect(parse(field, 'c').success).toBe(false);
    expect(envRegistry.get(field)?.type).toBe('a | b');
    expect(parse(envEnum(['a'], { description: 'e' }), undefined).success).toBe(false);
  });

  it('envUrlList splits, trims and checks every scheme', () => {
    const field = envUrlList({ description: 'u', default: 'nats://a:4222', schemes: ['nats'] });
    expect(parse(field, 'nats://a:1, nats://b:2,').data).toEqual(['nats://a:1', 'nats://b:2']);
    expect(parse(field, undefined).data).toEqual(['nats://a:4222']);
    const bad = parse(field, 'nats://ok:1,http://x,not a url');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues).toHaveLength(2);
    expect(parse(field, ' , ').success).toBe(false);
    expect(parse(envUrlList({ description: 'u', schemes: ['nats'] }), undefined).success).toBe(
      false,
    );
  });

  it('envUrl checks the scheme', () => {
    const field = envUrl({ description: 'u', schemes: ['postgres', 'postgresql'] });
    expect(parse(field, 'postgres://u@h/db').success).toBe(true);
    expect(parse(field, 'postgresql://h/db').success).toBe(true);
    expect(parse(field, 'mysql://h/db').success).toBe(false);
    expect(parse(field, 'nope').success).toBe(false);
    const withDefault = envUrl({ description: 'u', schemes: ['http'], default: 'http://x/' });
    expect(parse(withDefault, undefined).data).toBe('http://x/');
  });
});
