import {
  MAX_EVENT_LIST,
  MAX_LISTED_UNVERIFIED,
  type ActionRef,
  type ObservationSummary,
  type ObservedState,
  type PlanAction,
  type PlanReply,
  type ReconcileAction,
  type ReconcileGuard,
  type ReconcilePlan,
} from '@fedplane/core';
import type { Unverified } from './observation.js';

/**
 * The wire and event forms of a pass (core `schemas/reconciler.ts`, `events-fleet.ts`): the
 * `fed.reconciler.plan` reply, `reconcile.planned` and `reconcile.guarded` data, and the key that
 * says whether a plan changed since the last one. Pure.
 */

/** An action without its evidence, as events name it. */
export function actionRef(action: ReconcileAction): ActionRef {
  return 'id' in action ? { kind: action.kind, id: action.id } : { kind: action.kind };
}

/** An action in the plan reply (enable_strict with its evidence). */
export function planAction(action: ReconcileAction): PlanAction {
  switch (action.kind) {
    case 'enable_strict':
      return { kind: action.kind, evidence: action.evidence.map((e) => ({ ...e })) };
    case 'disable_strict':
      return { kind: action.kind };
    case 'enroll_node':
    case 'issue_credential':
    case 'decommission_node':
      return { kind: action.kind, id: action.id };
  }
}

/** Counts over desired and observed nodes, and the statuses that failed. */
export function observationSummary(input: {
  readonly desiredCount: number;
  readonly observed: ObservedState;
  readonly unverified: readonly Unverified[];
}): ObservationSummary {
  const { observed, unverified } = input;
  return {
    desired: input.desiredCount,
    observed: observed.nodes.length,
    present: observed.nodes.filter((n) => n.present).length,
    can_sign: observed.nodes.filter((n) => n.canSign).length,
    strict_enforced: observed.strictEnforced,
    unverified_count: unverified.length,
    unverified: unverified.slice(0, MAX_LISTED_UNVERIFIED).map((u) => ({ ...u })),
  };
}

/** The `fed.reconciler.plan` reply. */
export function planReply(
  plan: ReconcilePlan,
  observation: ObservationSummary,
  inventorySha256: string,
): PlanReply {
  return {
    actions: plan.actions.map(planAction),
    guards: plan.guards.map((g) => ({ kind: g.kind, reason: g.reason, withheld: [...g.withheld] })),
    observation,
    inventory_sha256: inventorySha256,
  };
}

/** Number of actions of each kind. */
function actionCounts(plan: ReconcilePlan): Record<ReconcileAction['kind'], number> {
  const counts = {
    enroll_node: 0,
    issue_credential: 0,
    decommission_node: 0,
    disable_strict: 0,
    enable_strict: 0,
  };
  for (const action of plan.actions) counts[action.kind] += 1;
  return counts;
}

/** `reconcile.planned` data. */
export function plannedData(
  plan: ReconcilePlan,
  observation: ObservationSummary,
  inventorySha256: string,
): Record<string, unknown> {
  return {
    actions: plan.actions.slice(0, MAX_EVENT_LIST).map(actionRef),
    action_counts: actionCounts(plan),
    truncated: plan.actions.length > MAX_EVENT_LIST,
    guards: plan.guards.map((g) => ({ kind: g.kind, reason: g.reason })),
    observation,
    inventory_sha256: inventorySha256,
  };
}

/** `reconcile.guarded` data for one guard. */
export function guardedData(
  guard: ReconcileGuard,
  presentCount: number,
  previousPresentCount: number | undefined,
): Record<string, unknown> {
  return {
    guard: { kind: guard.kind, reason: guard.reason },
    withheld: guard.withheld
      .slice(0, MAX_EVENT_LIST)
      .map((id) => ({ kind: 'decommission_node', id })),
    withheld_count: guard.withheld.length,
    present_count: presentCount,
    ...(previousPresentCount === undefined ? {} : { previous_present_count: previousPresentCount }),
  };
}

/**
 * What makes two plans "the same" for `reconcile.planned` (emitted only when the plan is not
 * empty or has changed): actions without evidence, guard kinds, the inventory and the
 * unverified statuses.
 */
export function planKey(plan: ReconcilePlan, inventorySha256: string, unverified: number): string {
  return JSON.stringify([
    inventorySha256,
    plan.actions.map(actionRef),
    plan.guards.map((g) => [g.kind, g.withheld]),
    unverified,
  ]);
}
