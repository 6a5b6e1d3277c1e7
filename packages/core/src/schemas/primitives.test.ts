import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as p from './primitives.js';

const SIG = 'ed25519=' + Buffer.alloc(64, 1).toString('base64');
const KEY = Buffer.alloc(32, 2).toString('base64');

type Row = readonly [string, z.ZodType, readonly unknown[], readonly unknown[]];

const rows: readonly Row[] = [
  [
    'AgentId',
    p.AgentIdSchema,
    ['region/nyc/node-1', 'host:a.b', 'daemon', 'x'.repeat(128)],
    ['', 'a b', '/x', 'a/../b', 'x'.repeat(129), 7],
  ],
  [
    'WireAgentId',
    p.WireAgentIdSchema,
    ['svc/issuer/i-1'],
    ['daemon', 'system', 'governance-internal', ''],
  ],
  [
    'Rfc3339Ms',
    p.Rfc3339MsSchema,
    ['2026-11-22T14:03:07.123Z', '2024-02-29T00:00:00.000Z'],
    [
      '2026-11-22T14:03:07Z',
      '2026-11-22T14:03:07.1234Z',
      '2026-11-22T14:03:07.123+00:00',
      '2025-02-29T00:00:00.000Z',
      '2026-11-22 14:03:07.123Z',
      1,
    ],
  ],
  [
    'Rfc3339',
    p.Rfc3339Schema,
    ['2026-11-22T14:03:07Z', '2026-11-22T14:03:07.123456+05:30', '2026-11-22T14:03:07.1Z'],
    ['2026-11-22', 'yesterday', '2026-13-01T00:00:00Z'],
  ],
  [
    'UnixSeconds',
    p.UnixSecondsSchema,
    [0, 1900000000],
    [-1, 1.5, '1', Number.MAX_SAFE_INTEGER + 2],
  ],
  [
    'Base64Key32',
    p.Base64Key32Schema,
    [KEY],
    [
      KEY.replace('=', 'A'),
      Buffer.alloc(31).toString('base64'),
      Buffer.alloc(33).toString('base64'),
      'A'.repeat(44),
    ],
  ],
  [
    'V1Credential',
    p.V1CredentialSchema,
    ['v1=AAAA', 'v1=' + 'A'.repeat(8188)],
    ['v1=', 'v1=AAA', 'v2=AAAA', 'AAAA', 'v1=' + 'A'.repeat(8192), 'v1=AA A'],
  ],
  [
    'Ed25519Header',
    p.Ed25519HeaderSchema,
    [SIG],
    [
      'ed25519=' + Buffer.alloc(63).toString('base64') + 'AAAA',
      'rsa=' + SIG.slice(4),
      SIG.replace('ed25519', 'ED25519'),
      ' ' + SIG.slice(1),
    ],
  ],
  [
    'Hex32',
    p.Hex32Schema,
    ['0'.repeat(64), 'af'.repeat(32)],
    ['AF'.repeat(32), '0'.repeat(63), '0'.repeat(65), 'g'.repeat(64)],
  ],
  [
    'EventId',
    p.EventIdSchema,
    [
      '01JD2M6R4V8X0Z2B4D6F8H0K2M',
      '01jd2m6r4v8x0z2b4d6f8h0k2m',
      '0190c2a4-1f3b-7c1d-8e2f-3a4b5c6d7e8f',
    ],
    [
      '81JD2M6R4V8X0Z2B4D6F8H0K2M',
      '01JD2M6R4V8X0Z2B4D6F8H0K2U',
      '0190c2a4-1f3b-4c1d-8e2f-3a4b5c6d7e8f',
      '0190c2a4-1f3b-7c1d-0e2f-3a4b5c6d7e8f',
      '0190c2a41f3b7c1d8e2f3a4b5c6d7e8f',
    ],
  ],
  [
    'ObjectId',
    p.ObjectIdSchema,
    ['01JD2M6R4V8X0Z2B4D6F8H0K2M', '3f2a8c1e-1b2c-4d3e-8f40-5a6b7c8d9e0f'],
    ['ghost', '3f2a8c1e-1b2c-9d3e-8f40-5a6b7c8d9e0f'],
  ],
  [
    'Tag',
    p.TagSchema,
    ['credential_expired', 'a', 'a'.repeat(64)],
    ['', 'Credential', '1abc', 'a-b', 'a'.repeat(65)],
  ],
  [
    'TrustDomain',
    p.TrustDomainSchema,
    ['fleet.example', 'x'],
    ['', ' ', 'a b', 'a\u0000', 'x'.repeat(256)],
  ],
  ['RegionName', p.RegionNameSchema, ['nyc', 'us-east-1'], ['a/b', '', 'x'.repeat(65), '..']],
  [
    'Nonce',
    p.NonceSchema,
    ['b3c1f6a2-58d4-4e0b-9a7c-2f1e0d3c4b5a', 'A'.repeat(16), 'a'.repeat(128)],
    ['A'.repeat(15), 'a'.repeat(129), 'abcdefghijklmno=', 'abcdefghijklmno p'],
  ],
  [
    'Namespace',
    p.NamespaceSchema,
    ['fleet', 'team/a/b', 'a/b/c/d/e/f/g/h', 'x'.repeat(512)],
    [
      '',
      '   ',
      '/a',
      'a/',
      'a//b',
      'a/./b',
      'a/../b',
      'a b',
      'a\\b',
      'a\u0000b',
      'a/b/c/d/e/f/g/h/i',
      'x'.repeat(513),
    ],
  ],
  ['Cursor', p.CursorSchema, ['abc', 'a-_Z9'], ['', 'a/b', 'a=', 'x'.repeat(513)]],
  [
    'queryInt',
    p.queryInt(1, 10),
    [1, 10, '7', '010'],
    [0, 11, '11', '-1', '1.5', '1e1', ' 1', 2.5],
  ],
  ['ErrorCode', p.ErrorCodeSchema, ['BAD_REQUEST', 'INTERNAL'], ['bad_request', 'TEAPOT']],
  ['base64Text', p.base64Text(8), ['', 'AAAA', 'AAAAAA=='], ['AAA', 'AAAAAAAAAAAA', 'AA=A']],
  ['boundedText', p.boundedText(3), ['', 'abc'], ['abcd', 3]],
];

describe.each(rows)('%s', (_name, schema, valid, invalid) => {
  it.each(valid.map((v) => [v]))('accepts %j', (value) => {
    expect(schema.safeParse(value).success).toBe(true);
  });
  it.each(invalid.map((v) => [v]))('rejects %j', (value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });
  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(typeof schema.safeParse(value).success).toBe('boolean');
      }),
      { numRuns: 200 },
    );
  });
});

describe('isNamespace', () => {
  it('never accepts whitespace, backslashes or empty segments', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (ns) => {
        if (!p.isNamespace(ns)) return;
        expect(ns).not.toMatch(/[\s\\]/);
        expect(ns.split('/')).not.toContain('');
      }),
    );
  });
});

describe('jsonByteLength', () => {
  it('counts UTF-8 bytes of the JSON text', () => {
    expect(p.jsonByteLength({ a: 'é' })).toBe(10);
  });
  it('has no length for values JSON cannot render', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(p.jsonByteLength(cyclic)).toBeUndefined();
    expect(p.jsonByteLength(undefined)).toBeUndefined();
    expect(p.jsonByteLength({ n: 1n })).toBeUndefined();
  });
});

describe('boundedJsonObject', () => {
  const schema = p.boundedJsonObject(20);
  it('accepts small shallow objects', () => {
    expect(schema.safeParse({ a: [1, 2] }).success).toBe(true);
  });
  it('rejects large, deep or unrenderable objects', () => {
    expect(schema.safeParse({ a: 'x'.repeat(20) }).success).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(p.boundedJsonObject(10_000).safeParse(deep).success).toBe(false);
    expect(schema.safeParse({ n: 1n }).success).toBe(false);
  });
});

describe('parseSchema', () => {
  it('returns the value, or the flattened issues', () => {
    const schema = z.strictObject({ a: z.object({ b: z.int() }) });
    expect(p.parseSchema(schema, { a: { b: 1 } })).toEqual({ ok: true, value: { a: { b: 1 } } });
    expect(p.parseSchema(schema, { a: { b: 'x' } })).toEqual({
      ok: false,
      error: {
        tag: 'invalid',
        issues: [{ path: 'a.b', code: 'invalid_type', message: expect.any(String) }],
      },
    });
  });

  it(`lists at most ${p.MAX_LISTED_ISSUES} issues`, () => {
    const result = p.parseSchema(
      z.array(z.string()),
      Array.from({ length: 80 }, () => 1),
    );
    expect(!result.ok && result.error.issues.length).toBe(p.MAX_LISTED_ISSUES);
  });
});

describe('ErrorBodySchema', () => {
  it('keeps details', () => {
    const body = { error: 'RATE_LIMITED', message: 'slow down', retry_after_ms: 250 };
    expect(p.ErrorBodySchema.parse(body)).toEqual(body);
  });
});
