import { isAgentId, type ApprovalRequest, type Approvers, type Remember } from '@fedplane/core';
import { evaluateRules, type ConfiguredRule, type RememberedRule } from './rules.js';

/**
 * What a new `fed.approvals.request` becomes (approvals.md): the row to insert and, when a rule
 * decides it at once, the decision with its remember mode and rule. Pure: the shell supplies the
 * id, the clock, the rules and the instance's agent id (the decider of a rule decision).
 */

/** Default timeout of a pending action (24 h, as the reference's 86 400 s). */
export const DEFAULT_APPROVAL_TIMEOUT_S = 86_400;

/** A row of `pending_actions` as the shell writes it. */
export type PendingRow = {
  readonly id: string;
  readonly actionType: string;
  readonly namespace: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly requestedBy: string;
  readonly requestedAtMs: number;
  readonly status: 'pending' | 'approved' | 'denied';
  readonly decidedBy: string | null;
  readonly decidedAtMs: number | null;
  readonly approvers: Approvers;
  readonly expiresAtMs: number;
  readonly cause: string | null;
  readonly remember: Remember | null;
};

/** Input of {@link planRequest}. */
export type PlanRequestInput = {
  readonly request: ApprovalRequest;
  readonly id: string;
  readonly nowMs: number;
  /** Used when the request has no `timeout_s`. */
  readonly defaultTimeoutS: number;
  readonly remembered: readonly RememberedRule[];
  readonly configured: readonly ConfiguredRule[];
  /** This instance's agent id: the decider of a decision taken by a rule. */
  readonly instanceAgentId: string;
};

/** Result of {@link planRequest}. */
export type RequestPlan = {
  readonly row: PendingRow;
  /** The rule that decided it at once (null: pending, or decided by a configured rule). */
  readonly rule: RememberedRule | null;
};

/** Plans a request (see the module comment). */
export function planRequest(input: PlanRequestInput): RequestPlan {
  const { request, nowMs } = input;
  const verdict = evaluateRules({
    query: {
      actionType: request.action_type,
      namespace: request.namespace,
      requestedBy: request.requested_by,
    },
    remembered: input.remembered,
    configured: input.configured,
    nowMs,
  });
  const decided = verdict.kind === 'decided';
  const row: PendingRow = {
    id: input.id,
    actionType: request.action_type,
    namespace: request.namespace,
    payload: request.payload,
    requestedBy: request.requested_by,
    requestedAtMs: nowMs,
    status: decided ? (verdict.decision === 'approve' ? 'approved' : 'denied') : 'pending',
    decidedBy: decided ? input.instanceAgentId : null,
    decidedAtMs: decided ? nowMs : null,
    approvers: request.approvers ?? { kind: 'any' },
    expiresAtMs: nowMs + (request.timeout_s ?? input.defaultTimeoutS) * 1000,
    cause: request.cause ?? null,
    remember: decided ? (verdict.rule?.remember ?? 'once') : null,
  };
  return { row, rule: decided ? verdict.rule : null };
}

/**
 * The event subject of `approval.requested` (catalog kind `action_target`): the payload's
 * `node_id` (or `node`) when it is a valid agent id, else the pending id.
 */
export function actionTarget(
  payload: Readonly<Record<string, unknown>>,
  pendingId: string,
): string {
  for (const key of ['node_id', 'node']) {
    const value = payload[key];
    if (typeof value === 'string' && isAgentId(value)) return value;
  }
  return pendingId;
}
