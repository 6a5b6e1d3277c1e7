import type { Decision, Remember } from '@fedplane/core';
import type { StoredRule } from '../adapters/pg-rules.js';
import type { PendingRow } from '../core/request-plan.js';
import type { ApprovalEvent } from './event-sink.js';

/**
 * The five approval events (approvals.md "Events", core catalog `approval.*`), as data for the
 * event sink. Subjects: `approval.requested` names the action target; the decision and expiry
 * events name the pending id; the rule events name the rule id.
 */

/** The pending action fields every approval event carries. */
export type PendingRef = {
  readonly id: string;
  readonly actionType: string;
  readonly namespace: string;
  readonly requestedBy: string;
};

function pendingFields(p: PendingRef): Record<string, unknown> {
  return {
    pending_id: p.id,
    action_type: p.actionType,
    namespace: p.namespace,
    requested_by: p.requestedBy,
  };
}

/** `approval.requested`, stamped with the request time (the SSE frame's `requested_at`). */
export function requestedEvent(input: {
  readonly row: PendingRow;
  readonly subject: string;
  readonly cause: string;
}): ApprovalEvent {
  const { row } = input;
  return {
    type: 'approval.requested',
    subject: input.subject,
    cause: input.cause,
    atMs: row.requestedAtMs,
    data: {
      ...pendingFields(row),
      expires_at: new Date(row.expiresAtMs).toISOString(),
      approvers: row.approvers,
    },
  };
}

/** `approval.decided`. */
export function decidedEvent(input: {
  readonly pending: PendingRef;
  readonly decision: Decision;
  readonly decider: string;
  readonly remember: Remember;
  readonly cause?: string;
  readonly ruleId?: string;
  readonly votes?: number;
}): ApprovalEvent {
  return {
    type: 'approval.decided',
    subject: input.pending.id,
    ...(input.cause === undefined ? {} : { cause: input.cause }),
    data: {
      ...pendingFields(input.pending),
      decision: input.decision,
      decider: input.decider,
      remember: input.remember,
      ...(input.ruleId === undefined ? {} : { rule_id: input.ruleId }),
      ...(input.votes === undefined ? {} : { votes: input.votes }),
    },
  };
}

/** `approval.expired`. */
export function expiredEvent(pending: PendingRef, expiresAtMs: number): ApprovalEvent {
  return {
    type: 'approval.expired',
    subject: pending.id,
    data: { ...pendingFields(pending), expires_at: new Date(expiresAtMs).toISOString() },
  };
}

function ruleFields(stored: StoredRule): Record<string, unknown> {
  const v = stored.view;
  return {
    rule_id: v.id,
    action_type: v.action_type,
    namespace: v.namespace,
    agent_id: v.agent_id,
    decision: v.decision,
  };
}

/** `approval.rule_recorded`. */
export function ruleRecordedEvent(stored: StoredRule, cause: string): ApprovalEvent {
  return {
    type: 'approval.rule_recorded',
    subject: stored.view.id,
    cause,
    data: {
      ...ruleFields(stored),
      remember: stored.view.remember,
      recorded_at: stored.view.recorded_at,
      expires_at: stored.view.expires_at,
      ...(stored.pendingId === null ? {} : { pending_id: stored.pendingId }),
    },
  };
}

/** `approval.rule_deleted` (through the API, or a `session` rule that expired). */
export function ruleDeletedEvent(
  stored: StoredRule,
  removal: { readonly reason: 'deleted' | 'expired'; readonly deletedBy?: string },
): ApprovalEvent {
  return {
    type: 'approval.rule_deleted',
    subject: stored.view.id,
    data: {
      ...ruleFields(stored),
      reason: removal.reason,
      ...(removal.deletedBy === undefined ? {} : { deleted_by: removal.deletedBy }),
    },
  };
}
