import {
  desiredFromInventory,
  presentCount,
  reconcile,
  type ObservationSummary,
  type ReconcilePlan,
} from '@fedplane/core';
import { newEventStamp, type PostureView } from '@fedplane/messaging';
import { gatePlan, staleJournalKeys } from '../core/action-gate.js';
import { observe, type Observation } from '../core/observation.js';
import { guardedData, observationSummary, planKey, plannedData } from '../core/plan-summary.js';
import { awaitDecision, executeAction, type ActionPass } from './apply-actions.js';
import { emit, type ReconcilerContext } from './context.js';
import type { LoadedInventory } from './inventory-source.js';
import { refreshPosture } from './posture-refresh.js';

/**
 * One reconcile pass: load (inventory, posture, latest signed statuses), plan with the pure core
 * `reconcile` against the previous applied pass's present count, and — when leading — report and
 * carry out the plan in order. {@link computePlan} alone is the `fed.reconciler.plan` dry run.
 */

/** A computed plan and what it was computed from. */
export type ComputedPlan = {
  readonly loaded: LoadedInventory;
  readonly view: PostureView;
  readonly observation: Observation;
  readonly summary: ObservationSummary;
  readonly plan: ReconcilePlan;
  readonly presentCount: number;
  readonly previousPresentCount: number | undefined;
};

/** Plans for `loaded` against the live state. Changes nothing. */
export async function computePlan(
  ctx: ReconcilerContext,
  loaded: LoadedInventory,
): Promise<ComputedPlan> {
  const nowMs = ctx.clock.nowMs();
  const view = ctx.posture.current();
  const statuses = await ctx.statuses.read(ctx.trust.current(), Math.floor(nowMs / 1000));
  const observation = observe({
    statuses,
    nowMs,
    statusTtlMs: ctx.settings.statusTtlMs,
    minRemainingS: ctx.settings.minRemainingS,
    strictEnforced: view.posture?.require_sig === true,
  });
  const desired = desiredFromInventory(loaded.inventory);
  const previousPresentCount = ctx.journal.lastPass()?.present_count;
  const plan = reconcile(
    desired,
    observation.observed,
    previousPresentCount === undefined ? undefined : { presentCount: previousPresentCount },
    { shrinkGuard: ctx.settings.shrinkGuard },
  );
  return {
    loaded,
    view,
    observation,
    summary: observationSummary({
      desiredCount: desired.nodes.length,
      observed: observation.observed,
      unverified: observation.unverified,
    }),
    plan,
    presentCount: presentCount(observation.observed),
    previousPresentCount,
  };
}

/**
 * What a pass remembers for the next one (in memory): the key of the last plan, and the nodes it
 * saw present and able to sign (a new status from one of those cannot change the plan, so it
 * does not start a pass; the interval pass still re-checks them).
 */
export type PassMemory = { lastPlanKey?: string; settled?: ReadonlySet<string> };

/** Outcome of {@link runPass}, for logs and tests. */
export type PassOutcome = { readonly planned: number; readonly executed: number };

/**
 * A leader's pass. `stillLeader` is checked before each action: the lease may be lost mid-pass.
 * Resolves with what it did; a missing inventory skips the pass (nothing is known to be desired).
 */
export async function runPass(
  ctx: ReconcilerContext,
  stillLeader: () => boolean,
  memory: PassMemory,
): Promise<PassOutcome> {
  const loaded = ctx.inventory.current();
  if (loaded === undefined) return { planned: 0, executed: 0 };
  const computed = await computePlan(ctx, loaded);
  const { plan, summary } = computed;
  const key = planKey(plan, loaded.sha256, summary.unverified_count);
  let cause: string | undefined;
  if (plan.actions.length > 0 || key !== memory.lastPlanKey) {
    const stamp = newEventStamp(ctx.clock.nowMs());
    cause = stamp.id;
    await emit(ctx, {
      stamp,
      type: 'reconcile.planned',
      data: plannedData(plan, summary, loaded.sha256),
    });
  }
  memory.lastPlanKey = key;
  memory.settled = new Set(
    computed.observation.observed.nodes.filter((n) => n.canSign).map((n) => n.id),
  );
  for (const guard of plan.guards) {
    ctx.log.warn({ guard: guard.kind, reason: guard.reason }, 'reconcile guard held');
    await emit(ctx, {
      type: 'reconcile.guarded',
      data: guardedData(guard, computed.presentCount, computed.previousPresentCount),
    });
  }

  const pass: ActionPass = { loaded, view: computed.view, cause };
  let executed = 0;
  const entries = ctx.journal.entries();
  for (const key of staleJournalKeys(
    entries,
    computed.loaded.inventory.nodes.map((n) => n.id),
    computed.observation.observed,
  )) {
    if (!stillLeader()) break;
    await ctx.journal.remove(key);
  }
  const gated = gatePlan({
    plan,
    journal: ctx.journal.entries(),
    nowMs: ctx.clock.nowMs(),
    retryMs: ctx.settings.retryMs,
    failureBackoffMs: ctx.settings.intervalMs,
  });
  for (const decision of gated) {
    if (!stillLeader()) break;
    if (decision.run === 'skip') {
      ctx.log.debug({ action: decision.action, reason: decision.reason }, 'action skipped');
      continue;
    }
    executed += 1;
    if (decision.run === 'await_decision') {
      await awaitDecision(ctx, decision.action, decision.pendingId, pass);
    } else {
      await executeAction(ctx, decision.action, pass);
    }
  }
  if (stillLeader() && !plan.actions.some((a) => a.kind.endsWith('_strict'))) {
    await refreshPosture(ctx);
  }
  if (stillLeader()) {
    await ctx.journal.recordPass({
      present_count: computed.presentCount,
      at_ms: ctx.clock.nowMs(),
    });
  }
  return { planned: plan.actions.length, executed };
}
