import { z } from 'zod';
import { sha256Hex } from '../digest.js';
import { utf8 } from '../bytes.js';
import {
  AgentIdSchema,
  CauseSchema,
  Hex32Schema,
  Rfc3339MsSchema,
  Rfc3339Schema,
  UnixSecondsSchema,
  boundedText,
} from './primitives.js';

/**
 * Status and posture bodies (identity.md renewal-agent, reconciler.md, bus.md KV buckets), and the
 * renewal-agent's request/reply endpoints `fed.agent.<node>.renew` / `fed.agent.<node>.status`.
 */

/** Most evidence items in one posture (one per desired node). */
export const MAX_EVIDENCE_ITEMS = 100_000;
/** Largest inventory YAML kept in `fed-inventory`, in characters (1 MiB). */
export const INVENTORY_YAML_MAX_CHARS = 1024 * 1024;

/**
 * Signed node (or service instance) status, published to `fed.status.node.<node>` with the
 * event headers. `last_renewal_at` is null until the first renewal after attestation. `at`
 * (optional, this project's addition) is when the agent built the body.
 */
export const NodeStatusSchema = z.strictObject({
  node_id: AgentIdSchema,
  credential_id: Hex32Schema,
  issuer_id: AgentIdSchema,
  not_before: UnixSecondsSchema,
  not_after: UnixSecondsSchema,
  can_sign: z.boolean(),
  agent_version: z.string().min(1).max(64),
  last_renewal_at: Rfc3339MsSchema.nullable(),
  last_error: boundedText().optional(),
  at: Rfc3339MsSchema.optional(),
});
/** A node status body. */
export type NodeStatus = z.infer<typeof NodeStatusSchema>;

/**
 * One node's evidence behind `enable_strict` (reconciler.md): the credential it was observed
 * with, that credential's `not_after`, and when the status was observed (the stream timestamp,
 * any RFC 3339 precision).
 */
export const EvidenceItemSchema = z.strictObject({
  node_id: AgentIdSchema,
  credential_id: Hex32Schema,
  not_after: UnixSecondsSchema,
  status_at: Rfc3339Schema,
});
/** One evidence item. */
export type EvidenceItem = z.infer<typeof EvidenceItemSchema>;

/**
 * The posture body signed into `fed-enforcement` / `posture`. `revision` is the posture's own
 * counter (the reconciler writes it with compare-and-set on the KV revision it read).
 */
export const PostureSchema = z.strictObject({
  require_sig: z.boolean(),
  revision: z.int().min(0),
  decided_at: Rfc3339MsSchema,
  evidence: z.array(EvidenceItemSchema).max(MAX_EVIDENCE_ITEMS),
});
/** A posture body. */
export type Posture = z.infer<typeof PostureSchema>;

/**
 * The value of `fed-inventory` / `desired`: the validated YAML text and the lowercase hex
 * SHA-256 of its UTF-8 bytes. The hash is checked here.
 */
export const InventoryKvValueSchema = z
  .strictObject({
    yaml: z.string().min(1).max(INVENTORY_YAML_MAX_CHARS),
    sha256: Hex32Schema,
  })
  .refine((value) => sha256Hex(utf8(value.yaml)) === value.sha256, {
    error: 'sha256 does not match yaml',
    path: ['sha256'],
  });
/** An inventory KV value. */
export type InventoryKvValue = z.infer<typeof InventoryKvValueSchema>;

/** A leader lease in `fed-leases` / `<role>` (CAS on the KV revision). */
export const LeaseSchema = z.strictObject({
  holder: AgentIdSchema,
  expires_at: Rfc3339MsSchema,
});
/** A lease value. */
export type Lease = z.infer<typeof LeaseSchema>;

/** `fed.agent.<node>.renew` request: renew now. `reason` is logged; `cause` links the event. */
export const AgentRenewRequestSchema = z.strictObject({
  reason: boundedText(256).optional(),
  cause: CauseSchema.optional(),
});
/** An agent renew request. */
export type AgentRenewRequest = z.infer<typeof AgentRenewRequestSchema>;

/**
 * `fed.agent.<node>.renew` reply: whether a new credential was swapped in (false when the issuer
 * returned identical claims) and the status after the attempt. A refused or failed renewal is an
 * error reply instead, and the held credential stays.
 */
export const AgentRenewReplySchema = z.strictObject({
  renewed: z.boolean(),
  status: NodeStatusSchema,
});
/** An agent renew reply. */
export type AgentRenewReply = z.infer<typeof AgentRenewReplySchema>;

/** `fed.agent.<node>.status` request: no fields. */
export const AgentStatusRequestSchema = z.strictObject({});
/** An agent status request. */
export type AgentStatusRequest = z.infer<typeof AgentStatusRequestSchema>;

/** `fed.agent.<node>.status` reply: the node's current status body. */
export const AgentStatusReplySchema = NodeStatusSchema;
/** An agent status reply. */
export type AgentStatusReply = z.infer<typeof AgentStatusReplySchema>;
