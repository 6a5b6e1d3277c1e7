import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from './bytes.js';
import { compareRecords, conflictWinner, recordOrderKey, type RecordOrderKey } from './conflict.js';

function key(json: string, updatedAt: string): RecordOrderKey {
  const result = recordOrderKey(utf8(json), updatedAt);
  if (!result.ok) throw new Error(`bad key ${updatedAt}`);
  return result.key;
}

const keyArb: fc.Arbitrary<RecordOrderKey> = fc.record({
  instantMs: fc.integer({ min: 0, max: 4 }),
  contentHash: fc.constantFrom('00', '0f', 'a0', 'ff').map((p) => p.padEnd(64, '0')),
});

/** A record version: its JSON text is what is published; tombstones are ordinary records. */
const versionArb = fc
  .record({
    second: fc.integer({ min: 0, max: 3 }),
    deleted: fc.boolean(),
    content: fc.constantFrom('x', 'y', 'z'),
  })
  .map(({ second, deleted, content }) => {
    const updatedAt = `2026-01-01T00:00:0${second}.000Z`;
    const json = deleted
      ? JSON.stringify({ id: 'm-1', namespace: 'ns', deleted: true, updated_at: updatedAt })
      : JSON.stringify({ id: 'm-1', namespace: 'ns', content, updated_at: updatedAt });
    return { json, updatedAt, deleted };
  });

describe('recordOrderKey', () => {
  it('is the instant and the hex SHA-256 of the bytes as published', () => {
    const json = '{"id":"m-1","updated_at":"2026-01-01T01:00:00+01:00"}';
    expect(recordOrderKey(utf8(json), '2026-01-01T01:00:00+01:00')).toEqual({
      ok: true,
      key: {
        instantMs: Date.UTC(2026, 0, 1),
        contentHash: createHash('sha256').update(json).digest('hex'),
      },
    });
  });

  it('truncates sub-millisecond digits', () => {
    const a = key('{}', '2026-01-01T00:00:00.0019Z');
    expect(a.instantMs).toBe(Date.UTC(2026, 0, 1) + 1);
  });

  it('refuses a timestamp that is not RFC 3339', () => {
    expect(recordOrderKey(utf8('{}'), 'yesterday')).toEqual({
      ok: false,
      error: { tag: 'bad_updated_at', problem: 'not_rfc3339' },
    });
  });
});

describe('compareRecords / conflictWinner', () => {
  it('orders by time first, then by content hash', () => {
    const older = { instantMs: 1, contentHash: 'f'.repeat(64) };
    const newer = { instantMs: 2, contentHash: '0'.repeat(64) };
    expect(compareRecords(older, newer)).toBe(-1);
    expect(conflictWinner(older, newer)).toBe('b');
    const low = { instantMs: 2, contentHash: '1'.repeat(64) };
    expect(compareRecords(newer, low)).toBe(-1);
    expect(conflictWinner(low, newer)).toBe('a');
    expect(conflictWinner(low, { ...low })).toBe('equal');
  });

  it('is antisymmetric and swapping swaps the winner', () => {
    fc.assert(
      fc.property(keyArb, keyArb, (a, b) => {
        expect(compareRecords(a, b)).toBe(-compareRecords(b, a) || 0);
        const swap = { a: 'b', b: 'a', equal: 'equal' } as const;
        expect(conflictWinner(b, a)).toBe(swap[conflictWinner(a, b)]);
      }),
    );
  });

  it('is transitive', () => {
    fc.assert(
      fc.property(keyArb, keyArb, keyArb, (a, b, c) => {
        if (compareRecords(a, b) <= 0 && compareRecords(b, c) <= 0) {
          expect(compareRecords(a, c)).toBeLessThanOrEqual(0);
        }
      }),
    );
  });

  it('is total: 0 only for equal keys', () => {
    fc.assert(
      fc.property(keyArb, keyArb, (a, b) => {
        const equal = a.instantMs === b.instantMs && a.contentHash === b.contentHash;
        expect(compareRecords(a, b) === 0).toBe(equal);
      }),
    );
  });

  it('converges: every arrival order applies to the same winner', () => {
    fc.assert(
      fc.property(
        fc
          .array(versionArb, { minLength: 1, maxLength: 6 })
          .chain((vs) =>
            fc.tuple(fc.constant(vs), fc.shuffledSubarray(vs, { minLength: vs.length })),
          ),
        ([versions, shuffled]) => {
          const apply = (order: typeof versions) =>
            order.reduce((held, v) =>
              conflictWinner(key(v.json, v.updatedAt), key(held.json, held.updatedAt)) === 'a'
                ? v
                : held,
            ).json;
          expect(apply(shuffled)).toBe(apply(versions));
        },
      ),
    );
  });

  it('never resurrects a tombstone with an older write', () => {
    fc.assert(
      fc.property(versionArb, versionArb, (a, b) => {
        const ka = key(a.json, a.updatedAt);
        const kb = key(b.json, b.updatedAt);
        if (a.deleted && ka.instantMs > kb.instantMs) expect(conflictWinner(ka, kb)).toBe('a');
        if (b.deleted && kb.instantMs > ka.instantMs) expect(conflictWinner(ka, kb)).toBe('b');
      }),
    );
  });
});
