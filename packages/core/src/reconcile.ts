/**
 * The pure reconcile plan (reconciler.md "The plan", reference §2.9 and §3.6): desired state from
 * the inventory + observed fleet → ordered actions and the guards that held.
 */
import { DEFAULT_SHRINK_GUARD, evaluateShrinkGuard } from './reconcile-guards.js';

/** What the inventory asks for. */
export type DesiredState = {
  /** Node ids in inventory order (regions in order, nodes in order). */
  readonly nodes: readonly string[];
  /** `true` strict, `false` permissive, `null` (no enforcement block): leave the posture alone. */
  readonly requireSig: boolean | null;
};

/** What a node's latest verified status proved. */
export type NodeEvidence = {
  /** Lowercase hex SHA-256 of the credential envelope the status carried. */
  readonly credentialId: string;
  /** The credential's `not_after`, Unix seconds. */
  readonly notAfter: number;
  /**
   * When the status was produced: its own RFC 3339 timestamp, carried verbatim (the posture's
   * evidence items use RFC 3339, see `schemas/status.ts` EvidenceItemSchema).
   */
  readonly statusAt: string;
};

/** One observed node. `evidence` is present whenever the observation could verify a credential. */
export type ObservedNode = {
  readonly id: string;
  readonly present: boolean;
  readonly canSign: boolean;
  readonly evidence?: NodeEvidence;
};

/** The observed fleet. Node order is kept (it orders decommissions). */
export type ObservedState = {
  readonly nodes: readonly ObservedNode[];
  readonly strictEnforced: boolean;
};

/** What the previous pass saw; undefined when this is the first pass. */
export type PreviousPass = { readonly presentCount: number };

/** Tunables of {@link reconcile}. */
export type ReconcileOptions = {
  /** `RECONCILER_SHRINK_GUARD` as a fraction in [0, 1]; default {@link DEFAULT_SHRINK_GUARD}. */
  readonly shrinkGuard?: number;
};

/** Evidence for one desired node that `enable_strict` was decided on (written to the posture). */
export type StrictEvidence = {
  readonly node_id: string;
  readonly credential_id: string;
  /** Unix seconds. */
  readonly not_after: number;
  /** RFC 3339. */
  readonly status_at: string;
};

/** Action kinds, in the order a plan lists them. */
export const ReconcileActionKind = {
  EnrollNode: 'enroll_node',
  IssueCredential: 'issue_credential',
  DecommissionNode: 'decommission_node',
  DisableStrict: 'disable_strict',
  EnableStrict: 'enable_strict',
} as const;
/** An action kind. */
export type ReconcileActionKind = (typeof ReconcileActionKind)[keyof typeof ReconcileActionKind];

/** One step of a plan. */
export type ReconcileAction =
  | { readonly kind: 'enroll_node'; readonly id: string }
  | { readonly kind: 'issue_credential'; readonly id: string }
  | { readonly kind: 'decommission_node'; readonly id: string }
  | { readonly kind: 'disable_strict' }
  | { readonly kind: 'enable_strict'; readonly evidence: readonly StrictEvidence[] };

/** Guard kinds. */
export const ReconcileGuardKind = { ShrinkGuard: 'shrink_guard' } as const;
/** A guard kind. */
export type ReconcileGuardKind = (typeof ReconcileGuardKind)[keyof typeof ReconcileGuardKind];

/**
 * A guard that held this pass. `shrink_guard` lists the decommissions it withheld (possibly none:
 * it is reported whenever its condition holds).
 */
export type ReconcileGuard = {
  readonly kind: 'shrink_guard';
  readonly reason: string;
  readonly withheld: readonly string[];
};

/** A plan: ordered actions and the guards that held. Empty on a converged fleet. */
export type ReconcilePlan = {
  readonly actions: readonly ReconcileAction[];
  readonly guards: readonly ReconcileGuard[];
};

/** Number of observed nodes with `present`, in the inventory or not. */
export function presentCount(observed: ObservedState): number {
  return observed.nodes.filter((n) => n.present).length;
}

/** First observation per id (a repeated id is ignored after its first entry). */
function firstById(nodes: readonly ObservedNode[]): ReadonlyMap<string, ObservedNode> {
  const byId = new Map<string, ObservedNode>();
  for (const node of nodes) if (!byId.has(node.id)) byId.set(node.id, node);
  return byId;
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/**
 * Plans one reconcile pass. Pure: no I/O, no clock; safe to run on a timer.
 *
 * Actions, in this order:
 * 1. `enroll_node` per desired node (inventory order) not observed or not present;
 * 2. `issue_credential` per desired node present but unable to sign;
 * 3. `decommission_node` per observed node not in the inventory (observed order, whatever its
 *    presence) — all withheld while the shrink guard holds;
 * 4. `disable_strict` when `requireSig` is false and the fleet is strict;
 * 5. `enable_strict` when `requireSig` is true, the fleet is not strict and every desired node is
 *    observed present and able to sign, carrying the evidence of every desired node that has it
 *    (inventory order). The reconciler service derives `canSign` only from a verified status, so
 *    there every node carries evidence; hand-made observations (`fedplane plan`) may omit it.
 * `requireSig: null` never emits 4 or 5. Repeated ids count once. Invariant: a converged fleet
 * gives `{actions: [], guards: []}` (given no shrink against `previous`).
 * Throws `RangeError` if `options.shrinkGuard` is not a fraction in [0, 1] (a config bug).
 */
export function reconcile(
  desired: DesiredState,
  observed: ObservedState,
  previous?: PreviousPass,
  options?: ReconcileOptions,
): ReconcilePlan {
  const fraction = options?.shrinkGuard ?? DEFAULT_SHRINK_GUARD;
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new RangeError(`reconcile: shrinkGuard must be in [0, 1], got ${fraction}`);
  }
  const byId = firstById(observed.nodes);
  const wanted = unique(desired.nodes);
  const inInventory = new Set(wanted);

  const enroll: ReconcileAction[] = [];
  const issue: ReconcileAction[] = [];
  for (const id of wanted) {
    const seen = byId.get(id);
    if (seen === undefined || !seen.present)
      enroll.push({ kind: ReconcileActionKind.EnrollNode, id });
    else if (!seen.canSign) issue.push({ kind: ReconcileActionKind.IssueCredential, id });
  }
  const extra = unique(observed.nodes.map((n) => n.id).filter((id) => !inInventory.has(id)));

  const guards: ReconcileGuard[] = [];
  const shrink = evaluateShrinkGuard({
    desiredCount: wanted.length,
    presentCount: presentCount(observed),
    previousPresentCount: previous?.presentCount,
    fraction,
  });
  const actions: ReconcileAction[] = [...enroll, ...issue];
  if (shrink.holds) {
    guards.push({ kind: ReconcileGuardKind.ShrinkGuard, reason: shrink.reason, withheld: extra });
  } else {
    actions.push(
      ...extra.map((id): ReconcileAction => ({ kind: ReconcileActionKind.DecommissionNode, id })),
    );
  }

  if (desired.requireSig === false && observed.strictEnforced) {
    actions.push({ kind: ReconcileActionKind.DisableStrict });
  }
  const everyNodeReady = enroll.length === 0 && issue.length === 0;
  if (desired.requireSig === true && !observed.strictEnforced && everyNodeReady) {
    const evidence: StrictEvidence[] = [];
    for (const id of wanted) {
      const proof = byId.get(id)?.evidence;
      if (proof !== undefined) {
        evidence.push({
          node_id: id,
          credential_id: proof.credentialId,
          not_after: proof.notAfter,
          status_at: proof.statusAt,
        });
      }
    }
    actions.push({ kind: ReconcileActionKind.EnableStrict, evidence });
  }
  return { actions, guards };
}

/** The evidence {@link applyPlanEffects} gives a node whose credential an action (re)issued. */
export function modelEvidence(id: string): NodeEvidence {
  return { credentialId: `model:${id}`, notAfter: 0, statusAt: '1970-01-01T00:00:00Z' };
}

/**
 * A MODEL of the world after every action of `plan` succeeded, for tests and simulation (the
 * reconciler never calls it; the real effects are observed on the next pass). Enrolled nodes
 * become present and able to sign (appended when unobserved), issued nodes able to sign (both
 * with {@link modelEvidence}), decommissioned nodes disappear, strict is toggled. Guards and
 * withheld actions change nothing. Pure.
 */
export function applyPlanEffects(observed: ObservedState, plan: ReconcilePlan): ObservedState {
  let nodes: ObservedNode[] = [...observed.nodes];
  let strictEnforced = observed.strictEnforced;
  const update = (id: string, change: Partial<ObservedNode>): boolean => {
    const index = nodes.findIndex((n) => n.id === id);
    const current = nodes[index];
    if (current === undefined) return false;
    nodes[index] = { ...current, ...change };
    return true;
  };
  for (const action of plan.actions) {
    switch (action.kind) {
      case 'enroll_node': {
        const ready = { present: true, canSign: true, evidence: modelEvidence(action.id) };
        if (!update(action.id, ready)) nodes.push({ id: action.id, ...ready });
        break;
      }
      case 'issue_credential':
        update(action.id, { canSign: true, evidence: modelEvidence(action.id) });
        break;
      case 'decommission_node':
        nodes = nodes.filter((n) => n.id !== action.id);
        break;
      case 'disable_strict':
        strictEnforced = false;
        break;
      case 'enable_strict':
        strictEnforced = true;
        break;
    }
  }
  return { nodes, strictEnforced };
}
