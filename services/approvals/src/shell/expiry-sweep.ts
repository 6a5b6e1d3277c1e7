import { insertOutbox, type OutboxEvent } from '../adapters/pg-outbox.js';
import { expireDue } from '../adapters/pg-pending.js';
import { deleteExpiredSignatures } from '../adapters/pg-replay.js';
import { deleteExpiredRules } from '../adapters/pg-rules.js';
import { withTransaction } from '../adapters/pg-transaction.js';
import type { ApprovalsDeps } from './approvals-deps.js';
import { expiredEvent, ruleDeletedEvent } from './approval-events.js';

/**
 * One pass of the expiry sweeper (approvals.md "Expiry"; single active through the
 * `fed-leases` / `approvals-sweeper` lease): expires pending rows past `expires_at` (conditional
 * on `pending`, so a decision is never overwritten) with `approval.expired`, deletes `session`
 * rules past their expiry with `approval.rule_deleted` (reason `expired`), and drops used HMAC
 * signatures past their 600 s. Events go through the outbox in the same transaction.
 */

/** Rows handled per transaction. */
export const SWEEP_BATCH = 500;

/** What one pass did. */
export type SweepReport = {
  readonly expired: number;
  readonly rulesExpired: number;
  readonly signaturesDropped: number;
};

async function sweepBatch(
  deps: ApprovalsDeps,
  nowMs: number,
): Promise<{ expired: number; rules: number }> {
  const { staged, expired, rules } = await withTransaction(deps.pool, async (db) => {
    const rows = await expireDue(db, nowMs, SWEEP_BATCH);
    const gone = await deleteExpiredRules(db, nowMs, SWEEP_BATCH);
    const events: OutboxEvent[] = [
      ...rows.map((p) =>
        deps.events.build(
          expiredEvent(
            {
              id: p.view.id,
              actionType: p.view.action_type,
              namespace: p.view.namespace,
              requestedBy: p.view.requested_by,
            },
            p.expiresAtMs,
          ),
        ),
      ),
      ...gone.map((r) => deps.events.build(ruleDeletedEvent(r, { reason: 'expired' }))),
    ];
    await insertOutbox(db, events, nowMs);
    return { staged: events, expired: rows.length, rules: gone.length };
  });
  deps.events.committed(staged);
  return { expired, rules };
}

/** Runs one pass until nothing is left to do (or `signal` aborts). */
export async function sweepExpired(deps: ApprovalsDeps, signal: AbortSignal): Promise<SweepReport> {
  const nowMs = deps.clock.nowMs();
  let expired = 0;
  let rulesExpired = 0;
  for (;;) {
    const batch = await sweepBatch(deps, nowMs);
    expired += batch.expired;
    rulesExpired += batch.rules;
    if (signal.aborted || (batch.expired < SWEEP_BATCH && batch.rules < SWEEP_BATCH)) break;
  }
  let signaturesDropped = 0;
  for (let n = SWEEP_BATCH * 10; n === SWEEP_BATCH * 10 && !signal.aborted;) {
    n = await deleteExpiredSignatures(deps.pool, nowMs, SWEEP_BATCH * 10);
    signaturesDropped += n;
  }
  if (expired > 0 || rulesExpired > 0) {
    deps.log.info({ expired, rules_expired: rulesExpired }, 'expired approvals swept');
  }
  return { expired, rulesExpired, signaturesDropped };
}
