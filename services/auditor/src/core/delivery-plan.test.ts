import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clampFill, planDeliveries } from './delivery-plan.js';

describe('planDeliveries', () => {
  it.each([
    { name: 'in order', expected: 5, seqs: [5, 6, 7], steps: ['t0', 't1', 't2'], next: 8 },
    { name: 'empty', expected: 5, seqs: [], steps: [], next: 5 },
    { name: 'gap first', expected: 5, seqs: [9, 10], steps: ['f5-8', 't0', 't1'], next: 11 },
    { name: 'gap inside', expected: 1, seqs: [1, 4], steps: ['t0', 'f2-3', 't1'], next: 5 },
    { name: 'redelivery below', expected: 10, seqs: [3, 10], steps: ['t0', 't1'], next: 11 },
    {
      name: 'redelivery after a jump',
      expected: 1,
      seqs: [3, 2],
      steps: ['f1-2', 't0', 't1'],
      next: 4,
    },
  ])('$name', ({ expected, seqs, steps, next }) => {
    const plan = planDeliveries(expected, seqs);
    expect(
      plan.steps.map((s) => (s.kind === 'take' ? `t${s.index}` : `f${s.from}-${s.to}`)),
    ).toEqual(steps);
    expect(plan.expected).toBe(next);
  });

  it('takes every delivery once, fills never overlap, and the result is sorted for in-order input (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.integer({ min: 1, max: 1200 }), { maxLength: 50 }),
        (expected, seqs) => {
          const plan = planDeliveries(expected, seqs);
          const takes = plan.steps
            .filter((s) => s.kind === 'take')
            .map((s) => (s.kind === 'take' ? s.index : -1));
          expect(takes).toEqual(seqs.map((_, i) => i));
          // A fill never re-reads a sequence taken or filled before it.
          const seen = new Set<number>();
          for (const step of plan.steps) {
            if (step.kind === 'take') {
              seen.add(seqs[step.index]!);
              continue;
            }
            expect(step.from).toBeLessThanOrEqual(step.to);
            expect(step.from).toBeGreaterThanOrEqual(expected);
            for (let s = step.from; s <= step.to; s += 1) {
              expect(seen.has(s)).toBe(false);
              seen.add(s);
            }
          }
          expect(plan.expected).toBe(Math.max(expected, ...seqs.map((s) => s + 1)));
          const sorted = [...new Set(seqs)].sort((a, b) => a - b).filter((s) => s >= expected);
          const inOrder = planDeliveries(expected, sorted);
          const order: number[] = [];
          for (const step of inOrder.steps) {
            if (step.kind === 'fill') for (let s = step.from; s <= step.to; s += 1) order.push(s);
            else order.push(sorted[step.index]!);
          }
          expect(order).toEqual([...order].sort((a, b) => a - b));
          if (sorted.length > 0)
            expect(order).toEqual(
              Array.from({ length: sorted.at(-1)! - expected + 1 }, (_, i) => expected + i),
            );
        },
      ),
    );
  });
});

describe('clampFill', () => {
  it('raises the start to the first stored sequence, or drops the fill', () => {
    expect(clampFill({ from: 3, to: 9 }, 1)).toEqual({ from: 3, to: 9 });
    expect(clampFill({ from: 3, to: 9 }, 5)).toEqual({ from: 5, to: 9 });
    expect(clampFill({ from: 3, to: 9 }, 9)).toEqual({ from: 9, to: 9 });
    expect(clampFill({ from: 3, to: 9 }, 10)).toBeNull();
  });
});
