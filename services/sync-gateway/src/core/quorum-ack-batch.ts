import { AgentIdSchema, QuorumAckSchema, Rfc3339MsSchema, type QuorumAck } from '@fedplane/core';
import { z } from 'zod';

/**
 * Quorum acks as they travel to a `Fed-Ack-Inbox` (sync.md, Receive path). A receiver that
 * applied several records of the same pushing gateway in one micro-batch sends ONE signed ack
 * listing every `Nats-Msg-Id` (`msg_ids`), so the signature is made and verified once per batch
 * instead of once per record; a single record keeps the core {@link QuorumAckSchema} shape. The
 * meaning is unchanged: the signing node (which must equal `node_id`) applied each listed version.
 * Pure.
 */

/** Most msg ids in one batched ack (512 chars each at most: under NATS's 1 MiB payload). */
export const MAX_ACK_MSG_IDS = 500;

/** A batched quorum ack: the core ack with `msg_ids` instead of `msg_id`. */
export const QuorumAckBatchSchema = z.strictObject({
  msg_ids: z.array(QuorumAckSchema.shape.msg_id).min(1).max(MAX_ACK_MSG_IDS),
  node_id: AgentIdSchema,
  at: Rfc3339MsSchema,
});
/** A batched quorum ack. */
export type QuorumAckBatch = z.infer<typeof QuorumAckBatchSchema>;

/** Either ack shape, normalised: the acking node and the msg ids it acked. */
export type ParsedQuorumAck = { readonly nodeId: string; readonly msgIds: readonly string[] };

/** Parses a decoded ack body of either shape; undefined when it is neither. */
export function parseQuorumAck(value: unknown): ParsedQuorumAck | undefined {
  const single = QuorumAckSchema.safeParse(value);
  if (single.success) return { nodeId: single.data.node_id, msgIds: [single.data.msg_id] };
  const batch = QuorumAckBatchSchema.safeParse(value);
  if (batch.success) return { nodeId: batch.data.node_id, msgIds: batch.data.msg_ids };
  return undefined;
}

/**
 * The ack bodies acknowledging `msgIds` as `nodeId` at `at` (RFC 3339 with ms): one core ack for
 * a single id, else batches of at most {@link MAX_ACK_MSG_IDS} ids. Duplicate ids are sent once.
 */
export function quorumAckBodies(
  nodeId: string,
  msgIds: readonly string[],
  at: string,
): (QuorumAck | QuorumAckBatch)[] {
  const unique = [...new Set(msgIds)];
  if (unique.length === 0) return [];
  const [only] = unique;
  if (unique.length === 1 && only !== undefined) return [{ msg_id: only, node_id: nodeId, at }];
  const bodies: QuorumAckBatch[] = [];
  for (let start = 0; start < unique.length; start += MAX_ACK_MSG_IDS) {
    bodies.push({ msg_ids: unique.slice(start, start + MAX_ACK_MSG_IDS), node_id: nodeId, at });
  }
  return bodies;
}
