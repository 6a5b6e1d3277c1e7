import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bodyHash,
  entryHash,
  toHex,
  utf8,
  verifyChainRows,
  type StoredChainRow,
} from '@fedplane/core';
import { planAppend, type PlannedAuditRow } from './append-plan.js';
import { EMPTY_AUDIT_HEAD, type AuditHead } from './audit-head.js';
import type { NewAuditEvent } from './audit-event.js';

function event(id: string, body = `body of ${id}`): NewAuditEvent {
  return {
    event_id: id,
    type: 'test.event',
    actor: 'tester',
    subject: null,
    at: '2025-01-01T00:00:00.000Z',
    body: utf8(body),
    signature: null,
    signer: null,
    attest_level: 'unsigned',
    stream_seq: null,
  };
}

function asStored(rows: readonly PlannedAuditRow[]): StoredChainRow[] {
  return rows.map((r) => ({
    seq: r.seq,
    body: r.body,
    signature: r.signature,
    signerPublicKey: null,
    attestLevel: r.attest_level,
    prevHash: r.prev_hash,
    entryHash: r.entry_hash,
  }));
}

describe('planAppend', () => {
  it('chains a batch from the empty head', () => {
    const plan = planAppend([event('a'), event('b'), event('c')], new Set(), EMPTY_AUDIT_HEAD);
    expect(plan.rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(plan.skipped).toEqual([]);
    expect(toHex(plan.rows[0]!.prev_hash)).toBe('0'.repeat(64));
    expect(plan.rows[1]!.prev_hash).toEqual(plan.rows[0]!.entry_hash);
    expect(plan.rows[0]!.body_hash).toEqual(bodyHash(utf8('body of a')));
    expect(plan.rows[0]!.entry_hash).toEqual(
      entryHash({
        prevHash: new Uint8Array(32),
        seq: 1,
        bodyHash: bodyHash(utf8('body of a')),
        attestLevel: 'unsigned',
        signature: null,
      }),
    );
    expect(plan.head).toEqual({ size: 3, head: toHex(plan.rows[2]!.entry_hash) });
    expect(verifyChainRows(asStored(plan.rows)).first_break).toBeNull();
  });

  it('continues after a non-empty head', () => {
    const first = planAppend([event('a'), event('b')], new Set(), EMPTY_AUDIT_HEAD);
    const second = planAppend([event('c')], new Set(), first.head);
    expect(second.rows[0]!.seq).toBe(3);
    expect(toHex(second.rows[0]!.prev_hash)).toBe(first.head.head);
    expect(verifyChainRows(asStored([...first.rows, ...second.rows])).first_break).toBeNull();
  });

  it('skips ids already stored and repeats within the batch, first occurrence wins', () => {
    const plan = planAppend(
      [event('a'), event('b', 'first b'), event('x'), event('b', 'second b'), event('a')],
      new Set(['x']),
      EMPTY_AUDIT_HEAD,
    );
    expect(plan.rows.map((r) => [r.seq, r.event_id])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(plan.rows[1]!.body).toEqual(utf8('first b'));
    expect(plan.skipped).toEqual(['x', 'b', 'a']);
  });

  it('leaves the head unchanged when everything is skipped or the batch is empty', () => {
    const head: AuditHead = { size: 9, head: 'ab'.repeat(32) };
    expect(planAppend([], new Set(), head)).toEqual({ rows: [], skipped: [], head });
    expect(planAppend([event('a')], new Set(['a']), head)).toEqual({
      rows: [],
      skipped: ['a'],
      head,
    });
  });

  it('refuses a head that is not a 32-byte hex hash', () => {
    expect(() => planAppend([event('a')], new Set(), { size: 1, head: 'zz' })).toThrow(RangeError);
  });

  it('property: every id is either appended once or skipped, and the rows verify', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { maxLength: 20 }),
        fc.subarray(['a', 'b', 'c', 'd', 'e', 'f']),
        (ids, stored) => {
          const plan = planAppend(
            ids.map((id) => event(id)),
            new Set(stored),
            EMPTY_AUDIT_HEAD,
          );
          const appended = plan.rows.map((r) => r.event_id);
          expect(new Set(appended).size).toBe(appended.length);
          expect(appended.length + plan.skipped.length).toBe(ids.length);
          expect(appended.every((id) => !stored.includes(id))).toBe(true);
          expect(plan.rows.map((r) => r.seq)).toEqual(appended.map((_, i) => i + 1));
          expect(verifyChainRows(asStored(plan.rows)).first_break).toBeNull();
          expect(plan.head.size).toBe(plan.rows.length);
        },
      ),
    );
  });
});
