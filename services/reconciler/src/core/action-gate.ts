import {
  sha256Hex,
  utf8,
  type ObservedState,
  type ReconcileAction,
  type ReconcilePlan,
} from '@fedplane/core';

/**
 * Never apply an action twice (reconciler.md "Applying the plan"). Node actions leave a record in
 * the action journal (KV, shared by every instance) *before* they are carried out; the plan of the
 * next pass — this leader's or a new one's after a takeover — is gated on it:
 *
 * - `enroll_node`: once per absence. A journalled enrollment (done or in flight) is never repeated
 *   while the node stays absent (each enroll bumps the registration and mints a token nobody
 *   holds; the operator's own token is kept, see `keep_tokens`). Cleared when the node is
 *   observed present or leaves the inventory.
 * - `issue_credential`: at most once per `retryMs`. Cleared when the node can sign.
 * - `decommission_node`: approval requested once (the pending id is journalled, the decision is
 *   awaited); revoked once. A denial is re-asked only after `retryMs`. Cleared when the node is no
 *   longer observed or is desired again.
 * - A failed call is journalled `failed` and tried again after `failureBackoffMs`.
 * - `enable_strict` / `disable_strict` are not journalled: the posture write is a compare-and-set
 *   on the revision read, and the next plan sees the posture it wrote.
 * Pure.
 */

/** A node action kind. */
export type NodeActionKind = 'enroll_node' | 'issue_credential' | 'decommission_node';
/** A node action. */
export type NodeAction = Extract<ReconcileAction, { readonly id: string }>;

/**
 * Journal states. `in_flight`: written before the call; the outcome replaces it. `failed`: the
 * call failed (nothing was done); retried after the failure backoff.
 */
export type JournalState = 'in_flight' | 'applied' | 'approval_pending' | 'denied' | 'failed';

/** One journal record. */
export type JournalEntry = {
  readonly kind: NodeActionKind;
  readonly id: string;
  readonly state: JournalState;
  /** When the state was written, Unix ms. */
  readonly at_ms: number;
  /** Agent id of the instance that wrote it. */
  readonly holder: string;
  /** For a decommission behind approval. */
  readonly pending_id?: string;
};

/** The KV key of a node action: `<kind>.<sha256(id) hex>` (ids may hold characters KV keys cannot). */
export function journalKey(kind: NodeActionKind, id: string): string {
  return `${kind}.${sha256Hex(utf8(id))}`;
}

/** True for a node action. */
export function isNodeAction(action: ReconcileAction): action is NodeAction {
  return 'id' in action;
}

/** What to do with one planned action. */
export type GateDecision =
  | { readonly action: ReconcileAction; readonly run: 'execute' }
  | {
      readonly action: NodeAction;
      readonly run: 'await_decision';
      readonly pendingId: string;
    }
  | { readonly action: NodeAction; readonly run: 'skip'; readonly reason: string };

/** Input of {@link gatePlan}. */
export type GateInput = {
  readonly plan: ReconcilePlan;
  readonly journal: ReadonlyMap<string, JournalEntry>;
  readonly nowMs: number;
  /** `RECONCILER_ACTION_RETRY` in ms. */
  readonly retryMs: number;
  /**
   * Least time before a failed action is tried again (the pass interval), so that passes
   * triggered by every status change do not hammer an unreachable peer.
   */
  readonly failureBackoffMs: number;
};

function gateOne(action: NodeAction, entry: JournalEntry, input: GateInput): GateDecision {
  if (entry.state === 'failed') {
    return input.nowMs - entry.at_ms >= input.failureBackoffMs
      ? { action, run: 'execute' }
      : { action, run: 'skip', reason: 'retry_after_failure' };
  }
  const recent = input.nowMs - entry.at_ms < input.retryMs;
  switch (action.kind) {
    case 'enroll_node':
      // An enrollment left in flight by a crashed leader is retried only after `retryMs`.
      return entry.state === 'in_flight' && !recent
        ? { action, run: 'execute' }
        : { action, run: 'skip', reason: `enrollment_${entry.state}` };
    case 'issue_credential':
      return recent
        ? { action, run: 'skip', reason: `renewal_${entry.state}` }
        : { action, run: 'execute' };
    case 'decommission_node':
      if (entry.state === 'applied') return { action, run: 'skip', reason: 'already_revoked' };
      if (entry.pending_id !== undefined && entry.state !== 'denied') {
        return { action, run: 'await_decision', pendingId: entry.pending_id };
      }
      return recent
        ? { action, run: 'skip', reason: `decommission_${entry.state}` }
        : { action, run: 'execute' };
  }
}

/** Gates every action of the plan, in plan order. */
export function gatePlan(input: GateInput): readonly GateDecision[] {
  return input.plan.actions.map((action): GateDecision => {
    if (!isNodeAction(action)) return { action, run: 'execute' };
    const entry = input.journal.get(journalKey(action.kind, action.id));
    return entry === undefined ? { action, run: 'execute' } : gateOne(action, entry, input);
  });
}

/**
 * Journal keys whose reason is gone: enrollments of nodes now present or no longer desired,
 * renewals of nodes that can sign or are no longer desired, decommissions of nodes no longer
 * observed or desired again.
 */
export function staleJournalKeys(
  journal: ReadonlyMap<string, JournalEntry>,
  desired: readonly string[],
  observed: ObservedState,
): string[] {
  const wanted = new Set(desired);
  const byId = new Map(observed.nodes.map((n) => [n.id, n]));
  const stale: string[] = [];
  for (const [key, entry] of journal) {
    const seen = byId.get(entry.id);
    const gone =
      entry.kind === 'enroll_node'
        ? !wanted.has(entry.id) || seen?.present === true
        : entry.kind === 'issue_credential'
          ? !wanted.has(entry.id) || seen?.canSign === true
          : wanted.has(entry.id) || seen === undefined;
    if (gone) stale.push(key);
  }
  return stale;
}
