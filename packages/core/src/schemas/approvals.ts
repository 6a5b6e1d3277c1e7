import { z } from 'zod';
import {
  AgentIdSchema,
  CauseSchema,
  CountSchema,
  CursorSchema,
  NamespaceSchema,
  ObjectIdSchema,
  Rfc3339MsSchema,
  boundedJsonObject,
  queryInt,
} from './primitives.js';

/**
 * Approvals wire shapes (approvals.md; reference §6.2, §6.4): the NATS request/get, the HTTP
 * decision body and responses, the pending list and views, rules, and the SSE frame payloads.
 */

/** Action types this project puts behind approval. */
export const ACTION_TYPES = {
  decommission_node: 'decommission_node',
  enable_strict: 'enable_strict',
  sync_dlq_replay: 'sync_dlq_replay',
  issuer_key_rotate: 'issuer_key_rotate',
} as const;
/** An approval action type. */
export type ActionType = (typeof ACTION_TYPES)[keyof typeof ACTION_TYPES];
/** Schema of an action type. */
export const ActionTypeSchema = z.enum(ACTION_TYPES);

/** Largest request payload, in bytes of JSON (64 KiB, as reference metadata). */
export const APPROVAL_PAYLOAD_MAX_BYTES = 64 * 1024;
/** Longest approval timeout a request may ask for (30 days). */
export const MAX_APPROVAL_TIMEOUT_S = 30 * 24 * 3600;
/** Largest quorum a request may ask for. */
export const MAX_APPROVAL_QUORUM = 64;
/** Default page size of `GET /api/v1/pending`. */
export const PENDING_PAGE_DEFAULT = 50;
/** Maximum page size of `GET /api/v1/pending`. */
export const PENDING_PAGE_MAX = 500;

/** A pending action id (minted by the approvals service: ULID or UUID). */
export const PendingIdSchema = ObjectIdSchema;
/** A remembered-rule id. */
export const RuleIdSchema = ObjectIdSchema;

/** `approve` or `deny`. */
export const DecisionSchema = z.enum(['approve', 'deny']);
/** A decision. */
export type Decision = z.infer<typeof DecisionSchema>;
/** `once`, `session` or `forever`. */
export const RememberSchema = z.enum(['once', 'session', 'forever']);
/** A remember mode. */
export type Remember = z.infer<typeof RememberSchema>;
/** Pending action states. */
export const PendingStatusSchema = z.enum(['pending', 'approved', 'denied', 'expired']);
/** A pending action state. */
export type PendingStatus = z.infer<typeof PendingStatusSchema>;

/**
 * Who may approve: anyone but the requester (`any`), one named agent (`agent` + `agent_id`), or
 * `quorum` distinct voters. The union makes the cross-field rules structural: `agent_id` only
 * and always with `agent`, `quorum` only and always with `quorum`.
 */
export const ApproversSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('any') }),
  z.strictObject({ kind: z.literal('agent'), agent_id: AgentIdSchema }),
  z.strictObject({ kind: z.literal('quorum'), quorum: z.int().min(1).max(MAX_APPROVAL_QUORUM) }),
]);
/** An approvers spec. */
export type Approvers = z.infer<typeof ApproversSchema>;

/**
 * `fed.approvals.request`. `cause` (optional, this project's addition) is the id of the request
 * or event that led to it; it fills `pending_actions.cause` and the events' `cause`.
 */
export const ApprovalRequestSchema = z.strictObject({
  action_type: ActionTypeSchema,
  namespace: NamespaceSchema,
  requested_by: AgentIdSchema,
  payload: boundedJsonObject(APPROVAL_PAYLOAD_MAX_BYTES),
  timeout_s: z.int().min(1).max(MAX_APPROVAL_TIMEOUT_S).optional(),
  approvers: ApproversSchema.optional(),
  cause: CauseSchema.optional(),
});
/** An approval request. */
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** Reply to `fed.approvals.request`: already `approved`/`denied` when a remembered rule matched. */
export const ApprovalRequestReplySchema = z.strictObject({
  pending_id: PendingIdSchema,
  status: z.enum(['pending', 'approved', 'denied']),
});
/** An approval request reply. */
export type ApprovalRequestReply = z.infer<typeof ApprovalRequestReplySchema>;

/** `fed.approvals.get`. */
export const ApprovalGetRequestSchema = z.strictObject({ pending_id: PendingIdSchema });
/** An approval get request. */
export type ApprovalGetRequest = z.infer<typeof ApprovalGetRequestSchema>;

/** One recorded vote (`approvals` column), agent id stored lower-cased as in the reference. */
export const ApprovalVoteSchema = z.strictObject({
  agent_id: AgentIdSchema,
  approved_at: Rfc3339MsSchema,
});

/** A pending action as `fed.approvals.get` and `GET /api/v1/pending[/:id]` show it. */
export const PendingActionViewSchema = z.strictObject({
  id: PendingIdSchema,
  action_type: ActionTypeSchema,
  namespace: NamespaceSchema,
  payload: boundedJsonObject(APPROVAL_PAYLOAD_MAX_BYTES),
  requested_by: AgentIdSchema,
  requested_at: Rfc3339MsSchema,
  status: PendingStatusSchema,
  approvers: ApproversSchema,
  approvals: z.array(ApprovalVoteSchema).max(MAX_APPROVAL_QUORUM),
  decided_by: AgentIdSchema.nullable(),
  decided_at: Rfc3339MsSchema.nullable(),
  expires_at: Rfc3339MsSchema,
  cause: CauseSchema.nullable(),
});
/** A pending action view. */
export type PendingActionView = z.infer<typeof PendingActionViewSchema>;

/** `fed.approvals.get` reply. */
export const ApprovalGetReplySchema = PendingActionViewSchema;

/** Query of `GET /api/v1/pending` (strings from the query string, or numbers). */
export const PendingListQuerySchema = z.strictObject({
  status: PendingStatusSchema.optional(),
  namespace: NamespaceSchema.optional(),
  limit: queryInt(1, PENDING_PAGE_MAX).default(PENDING_PAGE_DEFAULT),
  cursor: CursorSchema.optional(),
});
/** A pending list query (after defaults). */
export type PendingListQuery = z.output<typeof PendingListQuerySchema>;

/** Reply of `GET /api/v1/pending`: one page, oldest first, and the cursor of the next. */
export const PendingListReplySchema = z.strictObject({
  items: z.array(PendingActionViewSchema).max(PENDING_PAGE_MAX),
  next_cursor: CursorSchema.nullable(),
});
/** A pending list page. */
export type PendingListReply = z.infer<typeof PendingListReplySchema>;

/** Body of `POST /api/v1/approvals/:id`; `remember` defaults to `once`. */
export const DecisionBodySchema = z.strictObject({
  decision: DecisionSchema,
  remember: RememberSchema.default('once'),
});
/** A decision body (after defaults). */
export type DecisionBody = z.output<typeof DecisionBodySchema>;

/** 200 after approve. */
export const ApprovedResponseSchema = z.strictObject({
  approved: z.literal(true),
  id: PendingIdSchema,
  decided_by: AgentIdSchema,
  remember: RememberSchema,
});
/** 200 after a quorum vote that did not yet reach the quorum (`id`/`remember` as the reference). */
export const QuorumPendingResponseSchema = z.strictObject({
  approved: z.literal(false),
  status: z.literal('pending'),
  id: PendingIdSchema.optional(),
  votes: CountSchema,
  quorum: z.int().min(1).max(MAX_APPROVAL_QUORUM),
  remember: RememberSchema.optional(),
});
/** 200 after deny. */
export const DeniedResponseSchema = z.strictObject({
  rejected: z.literal(true),
  id: PendingIdSchema,
  decided_by: AgentIdSchema,
  remember: RememberSchema,
});
/** Any of the three decision responses. */
export const DecisionResponseSchema = z.union([
  ApprovedResponseSchema,
  QuorumPendingResponseSchema,
  DeniedResponseSchema,
]);
/** A decision response. */
export type DecisionResponse = z.infer<typeof DecisionResponseSchema>;

/** A remembered rule (`GET /api/v1/rules`); `expires_at` is null for `forever`. */
export const RuleViewSchema = z.strictObject({
  id: RuleIdSchema,
  action_type: ActionTypeSchema,
  namespace: NamespaceSchema,
  agent_id: AgentIdSchema,
  decision: DecisionSchema,
  remember: z.enum(['session', 'forever']),
  recorded_at: Rfc3339MsSchema,
  expires_at: Rfc3339MsSchema.nullable(),
});
/** A rule view. */
export type RuleView = z.infer<typeof RuleViewSchema>;

/** Reply of `GET /api/v1/rules`. */
export const RuleListReplySchema = z.strictObject({ rules: z.array(RuleViewSchema).max(10_000) });
/** A rule list. */
export type RuleListReply = z.infer<typeof RuleListReplySchema>;

/** SSE `approval_requested` frame data (reference §6.4 fields). */
export const ApprovalRequestedFrameSchema = z.strictObject({
  event: z.literal('approval_requested'),
  pending_id: PendingIdSchema,
  action_type: ActionTypeSchema,
  namespace: NamespaceSchema,
  requested_by: AgentIdSchema,
  requested_at: Rfc3339MsSchema,
});
/** An `approval_requested` frame. */
export type ApprovalRequestedFrame = z.infer<typeof ApprovalRequestedFrameSchema>;

/** SSE `approval_decided` frame data (reference §6.4 fields). */
export const ApprovalDecidedFrameSchema = z.strictObject({
  event: z.literal('approval_decided'),
  pending_id: PendingIdSchema,
  decision: DecisionSchema,
  decided_by: AgentIdSchema,
  remember: RememberSchema,
  namespace: NamespaceSchema,
  requested_by: AgentIdSchema,
});
/** An `approval_decided` frame. */
export type ApprovalDecidedFrame = z.infer<typeof ApprovalDecidedFrameSchema>;

/** SSE `lagged` frame data: the subscriber fell behind and should re-sync. */
export const LaggedFrameSchema = z.strictObject({ lagged: z.literal(true) });
/** SSE `error` frame data. */
export const SseErrorFrameSchema = z.strictObject({ error: z.literal('event_serialise_failed') });
