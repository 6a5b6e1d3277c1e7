import { z } from 'zod';
import {
  AgentIdSchema,
  CountSchema,
  NamespaceSchema,
  Rfc3339MsSchema,
  boundedText,
} from './primitives.js';
import {
  ActionTypeSchema,
  ApproversSchema,
  DecisionSchema,
  PendingIdSchema,
  RememberSchema,
  RuleIdSchema,
} from './approvals.js';

/**
 * `data` of the approval events (approvals.md), emitted by the approvals service. Strict. The SSE
 * frames `approval_requested` / `approval_decided` are built from these.
 */

const pendingFields = {
  pending_id: PendingIdSchema,
  action_type: ActionTypeSchema,
  namespace: NamespaceSchema,
  requested_by: AgentIdSchema,
};

/** `approval.requested`: a pending action was created. `note` is the requester's short summary. */
export const ApprovalRequestedDataSchema = z.strictObject({
  ...pendingFields,
  expires_at: Rfc3339MsSchema.optional(),
  approvers: ApproversSchema.optional(),
  note: boundedText(512).optional(),
});

/**
 * `approval.decided`: the final decision. A decision taken at request time by a remembered rule
 * names the rule in `rule_id`, with the approvals instance as `decider` and the rule's remember
 * mode. `votes` is the approving vote count of a quorum decision.
 */
export const ApprovalDecidedDataSchema = z.strictObject({
  ...pendingFields,
  decision: DecisionSchema,
  decider: AgentIdSchema,
  remember: RememberSchema,
  rule_id: RuleIdSchema.optional(),
  votes: CountSchema.optional(),
});

/** `approval.expired`: the sweeper expired a pending action past `expires_at`. */
export const ApprovalExpiredDataSchema = z.strictObject({
  ...pendingFields,
  expires_at: Rfc3339MsSchema,
});

const ruleFields = {
  rule_id: RuleIdSchema,
  action_type: ActionTypeSchema,
  namespace: NamespaceSchema,
  /** The requester the rule applies to. */
  agent_id: AgentIdSchema,
  decision: DecisionSchema,
};

/** `approval.rule_recorded`: a `session` or `forever` decision was remembered. */
export const ApprovalRuleRecordedDataSchema = z.strictObject({
  ...ruleFields,
  remember: z.enum(['session', 'forever']),
  recorded_at: Rfc3339MsSchema,
  expires_at: Rfc3339MsSchema.nullable(),
  pending_id: PendingIdSchema.optional(),
});

/** `approval.rule_deleted`: a rule was deleted through the API, or its session expired. */
export const ApprovalRuleDeletedDataSchema = z.strictObject({
  ...ruleFields,
  reason: z.enum(['deleted', 'expired']),
  deleted_by: AgentIdSchema.optional(),
});
