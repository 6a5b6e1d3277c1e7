import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_RECORDS_PER_BATCH,
  SyncRecordSchema,
  validateNamespace,
  validateSyncRecord,
  validateSyncRecords,
} from './record.js';
import { jsonDepth } from './record-fields.js';

const memory = {
  id: 'm-001',
  namespace: 'team/alpha',
  title: 'note m-001',
  content: 'first',
  tags: ['ops'],
  priority: 5,
  source: 'api',
  updated_at: '2026-01-01T08:00:00.000Z',
};
const full = {
  ...memory,
  tier: 'long',
  confidence: 0.5,
  access_count: 0,
  created_at: '2026-01-01T07:00:00Z',
  last_accessed_at: null,
  expires_at: '2020-01-01T00:00:00Z',
  metadata: { agent_id: 'alice', nested: { a: [1, 2, { b: null }] } },
  citations: [
    { uri: 'uri:https://example.org', accessed_at: '2026-01-01T00:00:00Z', hash: 'a'.repeat(64) },
    { uri: 'doc:abc', accessed_at: '2026-01-01T00:00:00Z', span: { start: 0, end: 4 } },
  ],
  source_uri: 'file:/tmp/x',
  source_span: { start: 1, end: 2 },
  unknown_field: { kept: true },
};
const tombstone = {
  id: 'm-001',
  namespace: 'team/alpha',
  deleted: true,
  updated_at: '2026-01-01T15:00:00.000Z',
};

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { k: value };
  return value;
}

describe('validateSyncRecord', () => {
  it('accepts a memory and returns the very object, unknown fields included', () => {
    const result = validateSyncRecord(full);
    expect(result).toEqual({ ok: true, kind: 'memory', record: full });
    expect(result.ok && result.record).toBe(full);
    expect(validateSyncRecord(memory).ok).toBe(true);
  });

  it('accepts a tombstone and carries its extra fields', () => {
    expect(validateSyncRecord(tombstone)).toEqual({
      ok: true,
      kind: 'tombstone',
      record: tombstone,
    });
    const extra = { ...tombstone, title: '', origin: 'x' };
    expect(validateSyncRecord(extra)).toEqual({ ok: true, kind: 'tombstone', record: extra });
  });

  it('requires id, namespace, title, content and updated_at', () => {
    expect(validateSyncRecord({})).toEqual({
      ok: false,
      issues: ['id', 'namespace', 'title', 'content', 'updated_at'].map((f) => ({
        path: [f],
        message: 'is required',
      })),
    });
  });

  it('requires ai-memory fields on request', () => {
    const result = validateSyncRecord(memory, { requireAiMemoryFields: true });
    expect(result.ok ? [] : result.issues.map((i) => i.path[0])).toEqual([
      'created_at',
      'tier',
      'confidence',
      'access_count',
    ]);
    expect(validateSyncRecord(full, { requireAiMemoryFields: true }).ok).toBe(true);
  });

  it('requires every tombstone field and deleted exactly true', () => {
    expect(validateSyncRecord({ deleted: true })).toEqual({
      ok: false,
      issues: ['id', 'namespace', 'updated_at'].map((f) => ({ path: [f], message: 'is required' })),
    });
    expect(validateSyncRecord({ ...tombstone, deleted: false })).toEqual({
      ok: false,
      issues: [{ path: ['deleted'], message: 'must be true when present' }],
    });
    expect(validateSyncRecord({ ...memory, deleted: 'true' }).ok).toBe(false);
  });

  it.each([
    ['id', ''],
    ['id', 'a/b'],
    ['id', 'a\\b'],
    ['id', 'a..b'],
    ['id', 'a b'],
    ['id', 'x'.repeat(129)],
    ['id', 7],
    ['title', '   '],
    ['title', 'x'.repeat(513)],
    ['title', '😀'.repeat(513)],
    ['title', 'a\u0000b'],
    ['title', 'a\u007fb'],
    ['title', 'a\u0085b'],
    ['title', 'a\uD800b'],
    ['content', ' \n '],
    ['content', 'é'.repeat(32769)],
    ['content', 'a\rb'],
    ['namespace', ''],
    ['namespace', '/team'],
    ['namespace', 'team/'],
    ['namespace', 'a//b'],
    ['namespace', 'a/./b'],
    ['namespace', 'a/../b'],
    ['namespace', 'a b'],
    ['namespace', 'a\\b'],
    ['namespace', 'a\tb'],
    ['namespace', 'a/b/c/d/e/f/g/h/i'],
    ['namespace', 'x'.repeat(513)],
    ['namespace', 'a\uDC00'],
    ['source', 'robot'],
    ['source', ''],
    ['tier', 'forever'],
    ['tags', 'ops'],
    ['tags', Array.from({ length: 51 }, (_, i) => `t${i}`)],
    ['tags', ['']],
    ['tags', ['x'.repeat(129)]],
    ['tags', ['a\u0001']],
    ['tags', [1]],
    ['priority', 0],
    ['priority', 11],
    ['priority', 5.5],
    ['priority', '5'],
    ['confidence', 1.01],
    ['confidence', -0.1],
    ['confidence', '0.5'],
    ['access_count', -1],
    ['access_count', 1.5],
    ['updated_at', '2026-01-01'],
    ['created_at', 'yesterday'],
    ['expires_at', 5],
    ['last_accessed_at', '2026-13-01T00:00:00Z'],
    ['metadata', null],
    ['metadata', []],
    ['metadata', 'x'],
    ['metadata', nested(33)],
    ['metadata', { big: 'x'.repeat(65_536) }],
    ['citations', {}],
    [
      'citations',
      Array.from({ length: 65 }, () => ({ uri: 'doc:a', accessed_at: '2026-01-01T00:00:00Z' })),
    ],
    ['citations', [1]],
    ['citations', [{ uri: 'http://x', accessed_at: '2026-01-01T00:00:00Z' }]],
    ['citations', [{ uri: 'doc: ', accessed_at: '2026-01-01T00:00:00Z' }]],
    ['citations', [{ uri: 'doc:a', accessed_at: 'now' }]],
    ['citations', [{ uri: 'doc:a', accessed_at: '2026-01-01T00:00:00Z', hash: 'abc' }]],
    [
      'citations',
      [{ uri: 'doc:a', accessed_at: '2026-01-01T00:00:00Z', span: { start: 2, end: 2 } }],
    ],
    ['citations', [{ uri: 'doc:a', accessed_at: '2026-01-01T00:00:00Z', span: [] }]],
    ['source_uri', 'doc:' + 'x'.repeat(4093)],
    ['source_uri', 'doc:a\u0000'],
    ['source_span', { start: -1, end: 2 }],
    ['source_span', { start: 0 }],
  ])('refuses %s = %j', (field, value) => {
    const result = validateSyncRecord({ ...full, [field]: value });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.length).toBeGreaterThan(0);
      for (const issue of result.issues) expect(issue.path[0]).toBe(field);
    }
  });

  it.each([
    ['namespace', 'a/b/c/d/e/f/g/h'],
    ['namespace', 'x'.repeat(512)],
    ['namespace', 'ai-memory-mcp'],
    ['title', '  padded title  '],
    ['title', 'trailing return\r\n'],
    ['tags', [' ops\r ']],
    ['title', 'x'.repeat(512)],
    ['title', '😀'.repeat(512)],
    ['content', 'é'.repeat(32768)],
    ['content', 'tabs\tand\nnewlines'],
    ['metadata', nested(31)],
    ['metadata', {}],
    ['tags', Array.from({ length: 50 }, (_, i) => `t${i}`)],
    ['tags', []],
    ['priority', 1],
    ['priority', 10],
    ['confidence', 0],
    ['confidence', 1],
    ['source', 'claude'],
    ['id', 'x'.repeat(128)],
    ['id', 'user@host:1.2_3-4'],
    ['source_uri', null],
    ['source_span', null],
    ['citations', [{ uri: 'doc:a', accessed_at: '2026-01-01T00:00:00Z', hash: null, span: null }]],
  ])('accepts %s = %j', (field, value) => {
    expect(validateSyncRecord({ ...full, [field]: value }).ok).toBe(true);
  });

  it('reports every issue at once', () => {
    const result = validateSyncRecord({
      ...full,
      id: '',
      priority: 0,
      tags: ['', 'x'.repeat(200)],
    });
    expect(result.ok ? [] : result.issues).toEqual([
      { path: ['id'], message: 'must not be empty' },
      { path: ['tags', 0], message: 'must not be blank' },
      { path: ['tags', 1], message: 'must be at most 128 bytes' },
      { path: ['priority'], message: 'must be between 1 and 10' },
    ]);
  });

  it.each([null, 1, 'x', [], true])('refuses a non-object %j', (value) => {
    expect(validateSyncRecord(value)).toEqual({
      ok: false,
      issues: [{ path: [], message: 'must be a JSON object' }],
    });
  });

  it('refuses metadata that cannot be serialised as JSON', () => {
    expect(validateSyncRecord({ ...full, metadata: { n: 1n } })).toEqual({
      ok: false,
      issues: [{ path: ['metadata'], message: 'must be JSON' }],
    });
  });

  it('survives hostile nesting without overflowing the stack', () => {
    expect(validateSyncRecord({ ...full, metadata: nested(200_000) }).ok).toBe(false);
  });

  it('never throws on arbitrary JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.dictionary(
            fc.constantFrom(...Object.keys(full), 'deleted', 'x'),
            fc.jsonValue({ maxDepth: 3 }),
          ),
        ),
        (value) => {
          const result = validateSyncRecord(value);
          if (result.ok) expect(result.record).toBe(value);
          else expect(result.issues.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});

describe('validateSyncRecords', () => {
  it('validates every record and prefixes paths with the index', () => {
    expect(validateSyncRecords([memory, tombstone])).toEqual({
      ok: true,
      records: [
        { kind: 'memory', record: memory },
        { kind: 'tombstone', record: tombstone },
      ],
    });
    expect(validateSyncRecords([memory, { ...memory, id: '' }, 3])).toEqual({
      ok: false,
      error: {
        code: 'BAD_REQUEST',
        issues: [
          { path: [1, 'id'], message: 'must not be empty' },
          { path: [2], message: 'must be a JSON object' },
        ],
      },
    });
  });

  it('caps a batch at 1000 records', () => {
    expect(
      validateSyncRecords(Array.from({ length: MAX_RECORDS_PER_BATCH }, () => memory)).ok,
    ).toBe(true);
    expect(validateSyncRecords(Array.from({ length: MAX_RECORDS_PER_BATCH + 1 }, () => 0))).toEqual(
      {
        ok: false,
        error: {
          code: 'BAD_REQUEST',
          issues: [{ path: [], message: 'must hold at most 1000 records' }],
        },
      },
    );
    expect(validateSyncRecords({})).toEqual({
      ok: false,
      error: { code: 'BAD_REQUEST', issues: [{ path: [], message: 'must be an array' }] },
    });
  });
});

describe('validateNamespace', () => {
  it('accepts and refuses as the record rule does', () => {
    expect(validateNamespace('team/alpha')).toEqual({ ok: true });
    expect(validateNamespace(' team')).toEqual({ ok: false, reason: 'must not contain spaces' });
    expect(validateNamespace('a/../b')).toEqual({
      ok: false,
      reason: 'must not contain "." or ".." segments',
    });
  });
});

describe('jsonDepth', () => {
  it.each([
    [1, 0],
    [null, 0],
    [{}, 1],
    [[], 1],
    [{ a: [1, { b: {} }] }, 4],
    [nested(5), 5],
  ])('%j has depth %d', (value, depth) => {
    expect(jsonDepth(value, 32)).toBe(depth);
  });

  it('stops just past the limit', () => {
    expect(jsonDepth(nested(100), 32)).toBe(33);
  });
});

describe('SyncRecordSchema', () => {
  it('passes records through and turns issues into zod issues', () => {
    expect(SyncRecordSchema.parse(full)).toBe(full);
    const result = SyncRecordSchema.safeParse({ ...memory, priority: 0 });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        code: 'custom',
        path: ['priority'],
        message: 'must be between 1 and 10',
      }),
    ]);
  });
});
