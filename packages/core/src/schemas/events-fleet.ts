import { z } from 'zod';
import {
  AgentIdSchema,
  CountSchema,
  ErrorCodeSchema,
  Hex32Schema,
  Rfc3339MsSchema,
  TagSchema,
  boundedText,
} from './primitives.js';
import { ActionRefSchema, GuardRefSchema, ObservationSummarySchema } from './reconciler.js';
import { DlqClassSchema } from './sync.js';
import { PendingIdSchema } from './approvals.js';

/**
 * `data` of the reconciler, sync-gateway and auditor events (reconciler.md, sync.md, audit.md).
 * Strict. Lists are capped so an event stays under EVENT_MAX_BYTES; counts carry the totals.
 */

/** Most actions (or ids) listed in one event; the rest are only counted. */
export const MAX_EVENT_LIST = 256;

/** Number of actions of each kind in a plan. */
export const ActionCountsSchema = z.strictObject({
  enroll_node: CountSchema,
  issue_credential: CountSchema,
  decommission_node: CountSchema,
  disable_strict: CountSchema,
  enable_strict: CountSchema,
});

/**
 * `reconcile.planned`: the plan (first {@link MAX_EVENT_LIST} actions, without evidence; all
 * counted), its guards and the observation summary. Emitted only when non-empty or changed.
 */
export const ReconcilePlannedDataSchema = z.strictObject({
  actions: z.array(ActionRefSchema).max(MAX_EVENT_LIST),
  action_counts: ActionCountsSchema,
  truncated: z.boolean(),
  guards: z.array(GuardRefSchema).max(16),
  observation: ObservationSummarySchema,
  inventory_sha256: Hex32Schema,
});

/** `reconcile.action_applied`: an action was carried out, or its approval requested. */
export const ReconcileActionAppliedDataSchema = z.strictObject({
  action: ActionRefSchema,
  outcome: z.enum(['applied', 'approval_requested']),
  pending_id: PendingIdSchema.optional(),
  posture_revision: z.int().min(0).optional(),
});

/** `reconcile.action_failed`: an action failed (wire error code or local tag); retried next pass. */
export const ReconcileActionFailedDataSchema = z.strictObject({
  action: ActionRefSchema,
  error: z.union([ErrorCodeSchema, TagSchema]),
  message: boundedText(512),
  retryable: z.boolean(),
});

/** `reconcile.guarded`: a guard held this pass, with what it withheld (possibly nothing). */
export const ReconcileGuardedDataSchema = z.strictObject({
  guard: GuardRefSchema,
  withheld: z.array(ActionRefSchema).max(MAX_EVENT_LIST),
  withheld_count: CountSchema,
  present_count: CountSchema,
  previous_present_count: CountSchema.optional(),
});

/**
 * `enforcement.changed`: the posture in `fed-enforcement` changed. `posture_sha256` is the
 * SHA-256 of the signed posture body bytes, so a kept posture copy can be matched to the event.
 */
export const EnforcementChangedDataSchema = z.strictObject({
  require_sig: z.boolean(),
  revision: z.int().min(0),
  previous_require_sig: z.boolean().optional(),
  decided_at: Rfc3339MsSchema.optional(),
  evidence_count: CountSchema.optional(),
  posture_sha256: Hex32Schema.optional(),
});

/** `sync.quorum_missed`: a push was committed locally but fewer than `needed` nodes acked in time. */
export const SyncQuorumMissedDataSchema = z.strictObject({
  needed: z.int().min(1),
  got: CountSchema,
  acked_by: z.array(AgentIdSchema).max(MAX_EVENT_LIST),
  /** `timeout` (some acks) or `unreachable` (none). */
  reason: TagSchema,
  record_count: CountSchema,
  record_ids: z.array(z.string().max(128)).max(MAX_EVENT_LIST),
  timeout_ms: CountSchema,
});

/** `sync.dlq_added`: a record that can never apply was written to `fed.sync.dlq.<node>`. */
export const SyncDlqAddedDataSchema = z.strictObject({
  class: DlqClassSchema,
  origin: AgentIdSchema,
  record_id: z.string().max(128).optional(),
  namespace: z.string().max(512).optional(),
  detail: boundedText(512),
  stream_seq: z.int().min(1).optional(),
});

/** `sync.dlq_replayed`: an approved DLQ replay finished. */
export const SyncDlqReplayedDataSchema = z.strictObject({
  pending_id: PendingIdSchema.optional(),
  class: DlqClassSchema.optional(),
  replayed: CountSchema,
  applied: CountSchema,
  failed: CountSchema,
  remaining: CountSchema,
});

/** `sync.snapshot_completed`: a gateway copied a peer's replica and resumes from `stream_seq`. */
export const SyncSnapshotCompletedDataSchema = z.strictObject({
  peer: AgentIdSchema,
  records: CountSchema,
  pages: CountSchema,
  stream_seq: CountSchema,
  duration_ms: CountSchema,
});

/**
 * `audit.rejected_event`: an event was recorded unsigned or with an invalid signature. The
 * rejected event's own fields are reported as bounded strings (they may be malformed).
 */
export const AuditRejectedEventDataSchema = z.strictObject({
  seq: z.int().min(1).optional(),
  event_id: z.string().max(128).optional(),
  type: z.string().max(64).optional(),
  actor: z.string().max(256).optional(),
  attest_level: z.enum(['unsigned', 'invalid_signature']),
  /** Stable tag, e.g. `signature_missing`, `signature_invalid`, `credential_expired`. */
  reason: TagSchema,
  body_sha256: Hex32Schema,
  stream_seq: z.int().min(1).optional(),
});
