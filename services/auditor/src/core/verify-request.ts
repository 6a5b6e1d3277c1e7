import {
  MAX_LISTED_SIGNATURE_FAILURES,
  type AuditVerifyReply,
  type AuditVerifyRequest,
  type ChainCheckpointRef,
  type ChainVerificationReport,
} from '@fedplane/core';

/**
 * `fed.audit.verify` decisions: which checkpoint a walk checks, and the reply it sends.
 */

/**
 * The checkpoint to check for a request.
 * Input: the request and the latest kept checkpoint (`{size, head}`, or null).
 * Output: the request's own checkpoint when it names one; else the latest one when its row lies
 * in the walked range (`size >= from`, `from` default 1); else null (no checkpoint: `none`).
 * Pure.
 */
export function checkpointToCheck(
  request: AuditVerifyRequest,
  latest: ChainCheckpointRef | null,
): ChainCheckpointRef | null {
  if (request.checkpoint !== undefined) {
    return { size: request.checkpoint.size, head: request.checkpoint.head };
  }
  if (latest === null) return null;
  return BigInt(latest.size) >= BigInt(request.from ?? 1) ? latest : null;
}

/**
 * The reply for a finished walk: the report, with at most
 * {@link MAX_LISTED_SIGNATURE_FAILURES} failing sequences listed (the first ones). Pure.
 */
export function verifyReply(report: ChainVerificationReport): AuditVerifyReply {
  return {
    rows_checked: report.rows_checked,
    first_break: report.first_break,
    signature_failures: report.signature_failures.slice(0, MAX_LISTED_SIGNATURE_FAILURES),
    checkpoint: report.checkpoint,
  };
}
