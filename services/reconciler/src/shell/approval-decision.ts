import { ApprovalDecidedDataSchema, AppError, ErrorCode, type Decision } from '@fedplane/core';
import { StreamName, eventSubject, verifyEventMessage } from '@fedplane/messaging';
import type { ReconcilerContext } from './context.js';

/**
 * The decision on a pending action, read from JetStream (`FED_EVENTS`, the last message on
 * `fed.evt.approval.decided.<pending_id>`), so a leader that took over — or restarted — still sees
 * a decision made while it was away. The event must verify (signature + credential, checked at the
 * time the stream stored it) and be signed by an approvals instance (`svc/approvals/*`); anything
 * else counts as "not decided yet" and is logged.
 */

const APPROVALS_PREFIX = 'svc/approvals/';

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /no message found|not found/i.test(err.message);
}

/** `approve`, `deny`, or undefined while undecided (or when the decision does not verify). */
export async function readDecision(
  ctx: ReconcilerContext,
  pendingId: string,
): Promise<Decision | undefined> {
  const subject = eventSubject('approval.decided', pendingId);
  let stored;
  try {
    stored = await ctx.bus.jsm.streams.getMessage(StreamName.events, { last_by_subj: subject });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw new AppError(ErrorCode.UNAVAILABLE, 'approval decision unreadable', { cause: err });
  }
  if (stored === null) return undefined;
  const bundle = ctx.trust.current();
  if (bundle === undefined) return undefined;
  const { event, attestation } = verifyEventMessage({
    headers: stored.header,
    body: stored.data,
    bundle,
    nowS: Math.floor(stored.time.getTime() / 1000),
  });
  const data = event.ok ? ApprovalDecidedDataSchema.safeParse(event.value.data) : undefined;
  const signer = attestation.attest_level === 'credential_signed' ? attestation.signer : undefined;
  if (signer?.startsWith(APPROVALS_PREFIX) !== true || data?.success !== true) {
    ctx.log.warn(
      { pending_id: pendingId, attest_level: attestation.attest_level },
      'approval decision not trusted, ignored',
    );
    return undefined;
  }
  if (data.data.pending_id !== pendingId) return undefined;
  return data.data.decision;
}
