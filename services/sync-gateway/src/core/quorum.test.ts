import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quorumMissReason, quorumStatus, quorumWidth } from './quorum.js';

const acksOf = (entries: Record<string, string[]>) =>
  new Map(Object.entries(entries).map(([k, v]) => [k, new Set(v)]));

describe('quorumWidth', () => {
  it('prefers the override, then the inventory, then 1', () => {
    expect(quorumWidth({ override: 3, inventoryWidth: 2 })).toBe(3);
    expect(quorumWidth({ override: undefined, inventoryWidth: 2 })).toBe(2);
    expect(quorumWidth({ override: undefined, inventoryWidth: undefined })).toBe(1);
    expect(quorumWidth({ override: 0, inventoryWidth: undefined })).toBe(1);
  });
});

describe('quorumStatus', () => {
  it('counts the local node alone when nobody acked', () => {
    const s = quorumStatus({ needed: 2, localNode: 'a', msgIds: ['m1'], acks: new Map() });
    expect(s).toEqual({ met: false, needed: 2, got: 1, ackedBy: ['a'] });
    expect(quorumMissReason(s)).toBe('unreachable');
  });

  it('is met with W=1 and no acks, and with no records at all', () => {
    expect(quorumStatus({ needed: 1, localNode: 'a', msgIds: ['m'], acks: new Map() }).met).toBe(
      true,
    );
    expect(quorumStatus({ needed: 1, localNode: 'a', msgIds: [], acks: new Map() }).got).toBe(1);
  });

  it('counts distinct nodes, never the local node twice', () => {
    const s = quorumStatus({
      needed: 3,
      localNode: 'a',
      msgIds: ['m1'],
      acks: acksOf({ m1: ['a', 'b'] }),
    });
    expect(s.got).toBe(2);
    expect(s.met).toBe(false);
    expect(quorumMissReason(s)).toBe('timeout');
  });

  it('needs every record acked by a node for it to count', () => {
    const s = quorumStatus({
      needed: 3,
      localNode: 'a',
      msgIds: ['m1', 'm2'],
      acks: acksOf({ m1: ['b', 'c'], m2: ['c'] }),
    });
    expect(s).toEqual({ met: false, needed: 3, got: 2, ackedBy: ['a', 'c'] });
    const t = quorumStatus({
      needed: 3,
      localNode: 'a',
      msgIds: ['m1', 'm2'],
      acks: acksOf({ m1: ['c', 'b'], m2: ['b', 'c', 'd'] }),
    });
    expect(t).toEqual({ met: true, needed: 3, got: 3, ackedBy: ['a', 'b', 'c'] });
  });

  it('never lowers got when acks are added', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('m1', 'm2'), fc.constantFrom('a', 'b', 'c', 'd'))),
        fc.tuple(fc.constantFrom('m1', 'm2'), fc.constantFrom('a', 'b', 'c', 'd')),
        (pairs, extra) => {
          const build = (list: [string, string][]) => {
            const acks = new Map<string, Set<string>>();
            for (const [m, n] of list) acks.set(m, (acks.get(m) ?? new Set()).add(n));
            return quorumStatus({ needed: 3, localNode: 'a', msgIds: ['m1', 'm2'], acks });
          };
          const before = build(pairs);
          const after = build([...pairs, extra]);
          expect(after.got).toBeGreaterThanOrEqual(before.got);
          expect(before.got).toBe(before.ackedBy.length);
        },
      ),
    );
  });
});
