import { describe, expect, it } from 'vitest';
import {
  buildSincePage,
  decodeCursor,
  encodeCursor,
  startPosition,
  visibleTo,
  type ReplicaRow,
} from './keyset.js';

const row = (id: string, ms: number, namespace = 'team/a', extra = {}): ReplicaRow => ({
  id,
  namespace,
  updatedAtMs: ms,
  record: { id, namespace, updated_at: new Date(ms).toISOString(), ...extra },
});

const all = { kind: 'scoped', caller: 'peer', allowed: () => true } as const;

describe('cursors', () => {
  it('round-trip, ids with dots and colons included', () => {
    for (const id of ['m-1', 'a.b:c@d', 'x'.repeat(128)]) {
      const cursor = encodeCursor({ updatedAtMs: 1767254400123, id });
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toEqual({ kind: 'cursor', updatedAtMs: 1767254400123, id });
    }
  });

  it('refuses foreign cursors', () => {
    expect(decodeCursor('abc')).toBeUndefined();
    expect(decodeCursor(Buffer.from('x.y').toString('base64url'))).toBeUndefined();
    expect(decodeCursor(Buffer.from('12.').toString('base64url'))).toBeUndefined();
  });

  it('start position: cursor over since over start', () => {
    const cursor = encodeCursor({ updatedAtMs: 5, id: 'a' });
    expect(startPosition({ cursor, since: '2026-01-01T00:00:00Z' })).toEqual({
      kind: 'cursor',
      updatedAtMs: 5,
      id: 'a',
    });
    expect(startPosition({ since: '2026-01-01T00:00:00.5Z' })).toEqual({
      kind: 'since',
      afterMs: 1767225600500,
    });
    expect(startPosition({})).toEqual({ kind: 'start' });
    expect(startPosition({ since: 'yesterday' })).toBeUndefined();
  });
});

describe('buildSincePage', () => {
  it('takes next_cursor from the last row before filtering', () => {
    const rows = [row('a', 1, 'x'), row('b', 1, 'x')];
    const page = buildSincePage({
      rows,
      limit: 2,
      since: undefined,
      access: { kind: 'scoped', caller: 'p', allowed: (ns) => ns === 'y' },
    });
    expect(page.count).toBe(0);
    expect(page.excluded_for_scope).toBe(2);
    expect(page.scope_status).toBe('scoped');
    expect(page.next_cursor).toBe(encodeCursor({ updatedAtMs: 1, id: 'b' }));
  });

  it('is exhausted (null cursor) on a short page', () => {
    const page = buildSincePage({ rows: [row('a', 1)], limit: 2, since: undefined, access: all });
    expect(page.next_cursor).toBeNull();
    expect(page.count).toBe(1);
    expect(page.earliest_updated_at).toBe(new Date(1).toISOString());
    expect(page.latest_updated_at).toBe(new Date(1).toISOString());
    const empty = buildSincePage({
      rows: [],
      limit: 2,
      since: '2026-01-01T00:00:00Z',
      access: all,
    });
    expect(empty).toMatchObject({
      count: 0,
      next_cursor: null,
      earliest_updated_at: null,
      updated_since: '2026-01-01T00:00:00Z',
    });
  });

  it('denies everything without a scope but still advances', () => {
    const page = buildSincePage({
      rows: [row('a', 1), row('b', 2)],
      limit: 2,
      since: undefined,
      access: { kind: 'denied' },
    });
    expect(page).toMatchObject({
      count: 0,
      excluded_for_scope: 2,
      scope_status: 'no_allowlist_default_deny',
    });
    expect(page.next_cursor).not.toBeNull();
  });

  it('hides private rows from other callers', () => {
    const priv = row('p', 3, 'team/a', { metadata: { scope: 'private', agent_id: 'owner' } });
    const page = buildSincePage({
      rows: [priv, row('q', 4)],
      limit: 5,
      since: undefined,
      access: all,
    });
    expect(page.count).toBe(1);
    expect(page.excluded_for_scope_private).toBe(1);
  });
});

describe('visibleTo', () => {
  it('follows the reference visibility rule for explicit private rows', () => {
    expect(visibleTo({}, 'x')).toBe(true);
    expect(visibleTo({ metadata: 'odd' }, 'x')).toBe(true);
    expect(visibleTo({ metadata: { scope: 'team' } }, 'x')).toBe(true);
    expect(visibleTo({ metadata: { scope: 'private', federation_share: true } }, 'x')).toBe(true);
    expect(visibleTo({ metadata: { scope: 'private', agent_id: 'x' } }, 'x')).toBe(true);
    expect(visibleTo({ metadata: { scope: 'private', target_agent_id: 'x' } }, 'x')).toBe(true);
    expect(visibleTo({ metadata: { scope: 'private', agent_id: 'y' } }, 'x')).toBe(false);
  });
});
