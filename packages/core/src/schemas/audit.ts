import { z } from 'zod';
import { AUDIT_LOG_NAME } from '../audit-checkpoint.js';
import { CountSchema, Hex32Schema, Rfc3339MsSchema } from './primitives.js';
import { SignedEnvelopeSchema, parseEnvelopeBody } from './envelope.js';

/**
 * Auditor request/reply shapes (audit.md): the checkpoint body, `fed.audit.head` (the latest
 * signed checkpoint) and `fed.audit.verify`.
 */

/** Most failing sequences listed in a verify reply. */
export const MAX_LISTED_SIGNATURE_FAILURES = 10_000;

/**
 * A checkpoint body `{log, size, head, at}`: the chain's last sequence and the hex `entry_hash`
 * of that row. Signed as the exact bytes with keys in that order (audit-checkpoint code builds
 * the bytes; this schema only validates a parsed body).
 */
export const CheckpointSchema = z.strictObject({
  log: z.literal(AUDIT_LOG_NAME),
  size: z.int().min(1),
  head: Hex32Schema,
  at: Rfc3339MsSchema,
});
/** A checkpoint body. */
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/**
 * A signed checkpoint, as kept in `fed-audit` / `checkpoint` and returned by `fed.audit.head`:
 * the signed envelope whose `body` decodes to a {@link CheckpointSchema} body.
 */
export const SignedCheckpointSchema = SignedEnvelopeSchema.refine(
  (envelope) => parseEnvelopeBody(envelope, CheckpointSchema).ok,
  { error: 'body is not a checkpoint', path: ['body'] },
);
/** A signed checkpoint. */
export type SignedCheckpointEnvelope = z.infer<typeof SignedCheckpointSchema>;

/** `fed.audit.head` request: no fields. */
export const AuditHeadRequestSchema = z.strictObject({});
/** `fed.audit.head` reply: the latest signed checkpoint (NOT_FOUND error while the log is empty). */
export const AuditHeadReplySchema = SignedCheckpointSchema;
/** An audit head reply. */
export type AuditHeadReply = z.infer<typeof AuditHeadReplySchema>;

/**
 * `fed.audit.verify` request: walk from sequence `from` (default 1). `checkpoint` (optional,
 * this project's addition for `--checkpoint FILE`) is checked instead of the latest one.
 */
export const AuditVerifyRequestSchema = z.strictObject({
  from: z.int().min(1).optional(),
  checkpoint: CheckpointSchema.optional(),
});
/** An audit verify request. */
export type AuditVerifyRequest = z.infer<typeof AuditVerifyRequestSchema>;

/** `fed.audit.verify` reply (audit.md, Verification). */
export const AuditVerifyReplySchema = z.strictObject({
  rows_checked: CountSchema,
  first_break: z.int().min(1).nullable(),
  signature_failures: z.array(z.int().min(1)).max(MAX_LISTED_SIGNATURE_FAILURES),
  checkpoint: z.enum(['ok', 'mismatch', 'none']),
});
/** An audit verify reply. */
export type AuditVerifyReply = z.infer<typeof AuditVerifyReplySchema>;
