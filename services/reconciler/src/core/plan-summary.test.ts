import { describe, expect, it } from 'vitest';
import {
  MAX_EVENT_LIST,
  MAX_LISTED_UNVERIFIED,
  PlanReplySchema,
  ReconcilePlannedDataSchema,
  ReconcileGuardedDataSchema,
  type ReconcilePlan,
} from '@fedplane/core';
import {
  actionRef,
  guardedData,
  observationSummary,
  planKey,
  planReply,
  plannedData,
} from './plan-summary.js';

const SHA = 'ef'.repeat(32);
const evidence = {
  node_id: 'n1',
  credential_id: 'ab'.repeat(32),
  not_after: 2_000_000_000,
  status_at: '2030-01-01T00:00:00.000Z',
};
const plan: ReconcilePlan = {
  actions: [
    { kind: 'enroll_node', id: 'n2' },
    { kind: 'decommission_node', id: 'x' },
    { kind: 'disable_strict' },
    { kind: 'enable_strict', evidence: [evidence] },
  ],
  guards: [{ kind: 'shrink_guard', reason: 'fell', withheld: ['y'] }],
};
const summary = observationSummary({
  desiredCount: 2,
  observed: {
    strictEnforced: false,
    nodes: [
      { id: 'n1', present: true, canSign: true },
      { id: 'x', present: true, canSign: false },
      { id: 'z', present: false, canSign: false },
    ],
  },
  unverified: Array.from({ length: MAX_LISTED_UNVERIFIED + 3 }, (_, i) => ({
    node_id: `u${i}`,
    reason: 'bad_signature',
  })),
});

describe('plan summary', () => {
  it('counts the observation and caps the listed failures', () => {
    expect({ ...summary, unverified: summary.unverified.length }).toEqual({
      desired: 2,
      observed: 3,
      present: 2,
      can_sign: 1,
      strict_enforced: false,
      unverified_count: MAX_LISTED_UNVERIFIED + 3,
      unverified: MAX_LISTED_UNVERIFIED,
    });
  });

  it('the plan reply keeps the evidence and satisfies its schema', () => {
    const reply = planReply(plan, summary, SHA);
    expect(PlanReplySchema.parse(reply)).toEqual(reply);
    expect(reply.actions[3]).toEqual({ kind: 'enable_strict', evidence: [evidence] });
    expect(actionRef(plan.actions[3] ?? { kind: 'disable_strict' })).toEqual({
      kind: 'enable_strict',
    });
  });

  it('planned data satisfies the event schema, truncates long plans and counts kinds', () => {
    const long: ReconcilePlan = {
      actions: Array.from({ length: MAX_EVENT_LIST + 5 }, (_, i) => ({
        kind: 'enroll_node' as const,
        id: `n${i}`,
      })),
      guards: [],
    };
    const data = plannedData(long, summary, SHA);
    expect(ReconcilePlannedDataSchema.parse(data)).toEqual(data);
    expect(data['truncated']).toBe(true);
    expect(data['action_counts']).toMatchObject({ enroll_node: MAX_EVENT_LIST + 5 });
    const short = plannedData(plan, summary, SHA);
    expect(ReconcilePlannedDataSchema.parse(short)).toEqual(short);
    expect(short['truncated']).toBe(false);
  });

  it('guarded data satisfies the event schema', () => {
    const guard = plan.guards[0];
    if (guard === undefined) throw new Error('fixture');
    const withPrevious = guardedData(guard, 3, 6);
    expect(ReconcileGuardedDataSchema.parse(withPrevious)).toEqual(withPrevious);
    expect(withPrevious).toMatchObject({
      withheld: [{ kind: 'decommission_node', id: 'y' }],
      withheld_count: 1,
      previous_present_count: 6,
    });
    expect(guardedData(guard, 0, undefined)).not.toHaveProperty('previous_present_count');
  });

  it('the plan key ignores evidence but not actions, guards, inventory or failures', () => {
    const other: ReconcilePlan = {
      ...plan,
      actions: plan.actions.map((a) => (a.kind === 'enable_strict' ? { ...a, evidence: [] } : a)),
    };
    expect(planKey(other, SHA, 1)).toBe(planKey(plan, SHA, 1));
    expect(planKey(plan, SHA, 2)).not.toBe(planKey(plan, SHA, 1));
    expect(planKey(plan, 'aa'.repeat(32), 1)).not.toBe(planKey(plan, SHA, 1));
    expect(planKey({ ...plan, guards: [] }, SHA, 1)).not.toBe(planKey(plan, SHA, 1));
  });
});
