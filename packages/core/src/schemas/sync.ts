import { z } from 'zod';
import {
  AgentIdSchema,
  CountSchema,
  CursorSchema,
  Ed25519HeaderSchema,
  Rfc3339MsSchema,
  Rfc3339Schema,
  TagSchema,
  V1CredentialSchema,
  WireAgentIdSchema,
  base64Text,
  boundedText,
  queryInt,
} from './primitives.js';

/**
 * Sync wire shapes (sync.md; reference §5.3, §5.5, §5.7): the push body and its replies, the
 * since query and page, DLQ entries and quorum acks. Records are carried, not interpreted: only
 * `id`, `namespace` and `updated_at` are checked here (as bounded strings); record.ts does the
 * deep validation, and every other field passes through unchanged.
 */

/** Most items in one push subcollection (reference `MAX_BULK_SIZE`). */
export const SYNC_MAX_PER_COLLECTION = 1000;
/** Default `limit` of a since page (reference §5.5). */
export const SINCE_LIMIT_DEFAULT = 500;
/** Maximum `limit` of a since page. */
export const SINCE_LIMIT_MAX = 10_000;
/** Largest record accepted in a DLQ entry, in base64 characters (1 MiB). */
export const DLQ_RECORD_MAX_CHARS = 1024 * 1024;
/** Most peers in a vector clock or an `acked_by` list. */
export const MAX_PEERS = 1024;

/**
 * A record (an ai-memory memory, or a tombstone `{id, namespace, deleted: true, updated_at}`):
 * loose, so every other field is carried unchanged.
 */
export const CarriedRecordSchema = z.looseObject({
  id: z.string().min(1).max(128),
  namespace: z.string().min(1).max(512),
  updated_at: z.string().min(1).max(64),
});
/** A carried record. */
export type CarriedRecord = z.infer<typeof CarriedRecordSchema>;

/** A vector clock: peer id → RFC 3339 high-water mark (reference §2.13). */
export const VectorClockSchema = z
  .record(z.string().max(256), z.string().max(64))
  .refine((clock) => Object.keys(clock).length <= MAX_PEERS, { error: 'too many peers' });

const collection = <T extends z.ZodType>(item: T) => z.array(item).max(SYNC_MAX_PER_COLLECTION);
const carried = collection(z.unknown());
const carriedObjects = collection(z.looseObject({}));

/**
 * `POST /api/v1/sync/push` and `fed.sync.<node>.push` body (reference §5.3). Strict at the top
 * level, with every subcollection the reference names; the items of subcollections this project
 * does not interpret are carried as they are.
 */
export const SyncPushBodySchema = z.strictObject({
  sender_agent_id: WireAgentIdSchema,
  sender_clock: VectorClockSchema.default({}),
  sender_wall_clock: Rfc3339Schema.optional(),
  memories: collection(CarriedRecordSchema),
  deletions: collection(z.string().min(1).max(128)).optional(),
  archives: carried.optional(),
  restores: carried.optional(),
  links: carriedObjects.optional(),
  pendings: carriedObjects.optional(),
  pending_decisions: carriedObjects.optional(),
  namespace_meta: carriedObjects.optional(),
  namespace_meta_clears: collection(z.string().min(1).max(512)).optional(),
  embeddings: carried.optional(),
  signals: carried.optional(),
  action_transitions: carried.optional(),
  checkpoints: carried.optional(),
  dry_run: z.boolean().default(false),
});
/** A push body (after defaults). */
export type SyncPushBody = z.output<typeof SyncPushBodySchema>;

/** Quorum outcome: `W` needed, distinct verified nodes counted (local included), who acked. */
export const QuorumReportSchema = z.strictObject({
  needed: z.int().min(1),
  got: CountSchema,
  acked_by: z.array(AgentIdSchema).max(MAX_PEERS),
});
/** A quorum report. */
export type QuorumReport = z.infer<typeof QuorumReportSchema>;

/**
 * 200 reply of a push: the reference report plus `quorum`. Loose, because ai-memory daemons
 * (forward targets) produce the same report and may add fields; they are carried.
 */
export const SyncPushReportSchema = z.looseObject({
  applied: CountSchema,
  deleted: CountSchema,
  archived: CountSchema,
  restored: CountSchema,
  links_applied: CountSchema,
  pendings_applied: CountSchema,
  pending_decisions_applied: CountSchema,
  namespace_meta_applied: CountSchema,
  namespace_meta_cleared: CountSchema,
  noop: CountSchema,
  skipped: CountSchema,
  quota_refused: z.union([CountSchema, z.boolean()]),
  dry_run: z.boolean(),
  receiver_agent_id: z.string().max(256),
  receiver_clock: z.union([z.strictObject({ entries: VectorClockSchema }), VectorClockSchema]),
  unsupported_on_postgres: CountSchema.optional(),
  storage_backend: z.string().max(64).optional(),
  ids: z.array(z.string().max(128)).max(SYNC_MAX_PER_COLLECTION).optional(),
  quorum: QuorumReportSchema.optional(),
});
/** A push report. */
export type SyncPushReport = z.infer<typeof SyncPushReportSchema>;

/** 202 reply: committed locally and durable in the stream, but fewer than `needed` acks in time. */
export const QuorumNotMetBodySchema = z.strictObject({
  error: z.literal('quorum_not_met'),
  needed: z.int().min(1),
  got: CountSchema,
  reason: TagSchema,
});
/** A quorum-not-met body. */
export type QuorumNotMetBody = z.infer<typeof QuorumNotMetBodySchema>;

/**
 * `GET /api/v1/sync/since` query and `fed.sync.<node>.since` request (reference §5.5 plus
 * `cursor`, this project's keyset cursor; when given it takes precedence over `since`).
 */
export const SinceQuerySchema = z.strictObject({
  since: Rfc3339Schema.optional(),
  limit: queryInt(1, SINCE_LIMIT_MAX).default(SINCE_LIMIT_DEFAULT),
  peer: AgentIdSchema.optional(),
  cursor: CursorSchema.optional(),
});
/** A since query (after defaults). */
export type SinceQuery = z.output<typeof SinceQuerySchema>;

/** A since page (reference §5.5 fields plus `next_cursor`, null when the replica is exhausted). */
export const SinceResponseSchema = z.strictObject({
  count: CountSchema,
  limit: z.int().min(1).max(SINCE_LIMIT_MAX),
  updated_since: Rfc3339Schema.nullable(),
  earliest_updated_at: Rfc3339Schema.nullable(),
  latest_updated_at: Rfc3339Schema.nullable(),
  memories: z.array(CarriedRecordSchema).max(SINCE_LIMIT_MAX),
  excluded_for_scope: CountSchema,
  excluded_for_scope_private: CountSchema,
  scope_status: z.enum(['scoped', 'legacy_bypass', 'no_allowlist_default_deny']),
  next_cursor: CursorSchema.nullable(),
});
/** A since page. */
export type SinceResponse = z.infer<typeof SinceResponseSchema>;

/** Why a record went to the DLQ (sync.md). */
export const DlqClassSchema = z.enum([
  'invalid',
  'unauthenticated',
  'out_of_scope',
  'forward_refused',
]);
/** A DLQ class. */
export type DlqClass = z.infer<typeof DlqClassSchema>;

/**
 * A `fed.sync.dlq.<node>` entry: the exact record bytes (base64) with the origin's signature
 * headers, so a replay re-verifies and re-applies exactly what was received.
 */
export const DlqEntrySchema = z.strictObject({
  node_id: AgentIdSchema,
  origin: AgentIdSchema,
  class: DlqClassSchema,
  detail: boundedText(),
  record_id: z.string().max(128).optional(),
  namespace: z.string().max(512).optional(),
  msg_id: z.string().min(1).max(512),
  stream_seq: z.int().min(1),
  failed_at: Rfc3339MsSchema,
  record: base64Text(DLQ_RECORD_MAX_CHARS),
  signature: Ed25519HeaderSchema.optional(),
  credential: V1CredentialSchema.optional(),
  chain: V1CredentialSchema.optional(),
});
/** A DLQ entry. */
export type DlqEntry = z.infer<typeof DlqEntrySchema>;

/** Payload of a `sync_dlq_replay` approval request: which node's DLQ, optionally one class. */
export const DlqReplayPayloadSchema = z.strictObject({
  node_id: AgentIdSchema,
  class: DlqClassSchema.optional(),
});
/** A DLQ replay payload. */
export type DlqReplayPayload = z.infer<typeof DlqReplayPayloadSchema>;

/**
 * The quorum ack sent to `Fed-Ack-Inbox` (signed with the event headers): the acked message's
 * `Nats-Msg-Id` (`<node>:<id>:<content_hash>`), the acking node, and when.
 */
export const QuorumAckSchema = z.strictObject({
  msg_id: z
    .string()
    .max(512)
    .regex(/^.+:.+:[0-9a-f]{64}$/s, { error: 'expected <node>:<id>:<content_hash>' }),
  node_id: AgentIdSchema,
  at: Rfc3339MsSchema,
});
/** A quorum ack. */
export type QuorumAck = z.infer<typeof QuorumAckSchema>;
