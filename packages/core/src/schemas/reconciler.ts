import { z } from 'zod';
import { AgentIdSchema, CountSchema, Hex32Schema, TagSchema, boundedText } from './primitives.js';
import { EvidenceItemSchema, INVENTORY_YAML_MAX_CHARS, MAX_EVIDENCE_ITEMS } from './status.js';

/**
 * The reconciler's wire shapes (reconciler.md): the plan, its guards and observation summary, and
 * the `fed.reconciler.plan` dry-run request/reply. The pure plan function itself lives in
 * reconcile.ts; these schemas are its JSON form.
 */

/** Most actions in one plan reply (a 100k-node fleet's first pass). */
export const MAX_PLAN_ACTIONS = 200_000;
/** Most unverified statuses listed in an observation summary (the rest are only counted). */
export const MAX_LISTED_UNVERIFIED = 64;

/** The plan's action kinds, in plan order. */
export const PLAN_ACTION_KINDS = {
  enroll_node: 'enroll_node',
  issue_credential: 'issue_credential',
  decommission_node: 'decommission_node',
  disable_strict: 'disable_strict',
  enable_strict: 'enable_strict',
} as const;
/** A plan action kind. */
export type PlanActionKind = (typeof PLAN_ACTION_KINDS)[keyof typeof PLAN_ACTION_KINDS];
/** Schema of a plan action kind. */
export const PlanActionKindSchema = z.enum(PLAN_ACTION_KINDS);

const nodeAction = <K extends 'enroll_node' | 'issue_credential' | 'decommission_node'>(kind: K) =>
  z.strictObject({ kind: z.literal(kind), id: AgentIdSchema });

/** One plan action; `enable_strict` carries the evidence it was decided on. */
export const PlanActionSchema = z.discriminatedUnion('kind', [
  nodeAction('enroll_node'),
  nodeAction('issue_credential'),
  nodeAction('decommission_node'),
  z.strictObject({ kind: z.literal('disable_strict') }),
  z.strictObject({
    kind: z.literal('enable_strict'),
    evidence: z.array(EvidenceItemSchema).max(MAX_EVIDENCE_ITEMS),
  }),
]);
/** A plan action. */
export type PlanAction = z.infer<typeof PlanActionSchema>;

/** A plan action without its evidence, as events name it: `{kind, id?}` (id for node actions). */
export const ActionRefSchema = z.discriminatedUnion('kind', [
  nodeAction('enroll_node'),
  nodeAction('issue_credential'),
  nodeAction('decommission_node'),
  z.strictObject({ kind: z.literal('disable_strict') }),
  z.strictObject({ kind: z.literal('enable_strict') }),
]);
/** An action reference. */
export type ActionRef = z.infer<typeof ActionRefSchema>;

/** Guard kinds this project defines (reconciler.md); `kind` stays an open tag for later guards. */
export const GUARD_KINDS = { shrink_guard: 'shrink_guard' } as const;
/** A known guard kind. */
export type GuardKind = (typeof GUARD_KINDS)[keyof typeof GUARD_KINDS];

/** A guard as events name it: its kind and a human-readable reason. */
export const GuardRefSchema = z.strictObject({
  kind: TagSchema,
  reason: boundedText(512),
});
/** A guard reference. */
export type GuardRef = z.infer<typeof GuardRefSchema>;

/**
 * A guard that held in a pass (reconcile.ts `ReconcileGuard`): kind, reason, and the ids of the
 * actions it withheld (possibly none: a guard is reported whenever its condition holds).
 */
export const GuardSchema = z.strictObject({
  kind: TagSchema,
  reason: boundedText(512),
  withheld: z.array(AgentIdSchema).max(MAX_PLAN_ACTIONS),
});
/** A guard. */
export type Guard = z.infer<typeof GuardSchema>;

/** A status that failed verification this pass (counted as not observed). */
export const UnverifiedStatusSchema = z.strictObject({
  node_id: AgentIdSchema,
  reason: TagSchema,
});

/**
 * What a pass observed: counts over desired and observed nodes, whether the fleet is strict,
 * and the statuses that failed verification (first {@link MAX_LISTED_UNVERIFIED} listed, all
 * counted in `unverified_count`).
 */
export const ObservationSummarySchema = z.strictObject({
  desired: CountSchema,
  observed: CountSchema,
  present: CountSchema,
  can_sign: CountSchema,
  strict_enforced: z.boolean(),
  unverified_count: CountSchema,
  unverified: z.array(UnverifiedStatusSchema).max(MAX_LISTED_UNVERIFIED),
});
/** An observation summary. */
export type ObservationSummary = z.infer<typeof ObservationSummarySchema>;

/** `fed.reconciler.plan` request: plan for the stored inventory, or for the given YAML. */
export const PlanRequestSchema = z.strictObject({
  inventory_yaml: z.string().min(1).max(INVENTORY_YAML_MAX_CHARS).optional(),
});
/** A plan request. */
export type PlanRequest = z.infer<typeof PlanRequestSchema>;

/** `fed.reconciler.plan` reply: the plan the current state would produce (nothing is applied). */
export const PlanReplySchema = z.strictObject({
  actions: z.array(PlanActionSchema).max(MAX_PLAN_ACTIONS),
  guards: z.array(GuardSchema).max(16),
  observation: ObservationSummarySchema,
  inventory_sha256: Hex32Schema,
});
/** A plan reply. */
export type PlanReply = z.infer<typeof PlanReplySchema>;
