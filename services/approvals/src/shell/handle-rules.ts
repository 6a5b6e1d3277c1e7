import { AppError, ErrorCode, type RuleListReply } from '@fedplane/core';
import { insertOutbox } from '../adapters/pg-outbox.js';
import { deleteRule, listActiveRules } from '../adapters/pg-rules.js';
import { withTransaction } from '../adapters/pg-transaction.js';
import type { ApprovalsDeps } from './approvals-deps.js';
import { ruleDeletedEvent } from './approval-events.js';

/**
 * `GET /api/v1/rules` and `DELETE /api/v1/rules/:id` (approvals.md "Remember"): the active
 * remembered rules, and deleting one with `approval.rule_deleted` (reason `deleted`).
 */

/** Every active rule, oldest first. */
export async function handleListRules(deps: ApprovalsDeps): Promise<RuleListReply> {
  const rules = await listActiveRules(deps.pool, deps.clock.nowMs());
  return { rules: rules.map((r) => r.view) };
}

/** Deletes rule `id` (NOT_FOUND when absent); `deletedBy` is the caller's `X-Agent-Id`, if any. */
export async function handleDeleteRule(
  deps: ApprovalsDeps,
  input: { readonly id: string; readonly deletedBy?: string },
): Promise<{ readonly deleted: true; readonly id: string }> {
  const nowMs = deps.clock.nowMs();
  const staged = await withTransaction(deps.pool, async (db) => {
    const gone = await deleteRule(db, input.id);
    if (gone === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'unknown rule');
    const event = deps.events.build(
      ruleDeletedEvent(gone, {
        reason: 'deleted',
        ...(input.deletedBy === undefined ? {} : { deletedBy: input.deletedBy }),
      }),
    );
    await insertOutbox(db, [event], nowMs);
    return [event];
  });
  deps.events.committed(staged);
  deps.log.info({ rule_id: input.id, deleted_by: input.deletedBy }, 'rule deleted');
  return { deleted: true, id: input.id };
}
