import type { ApprovalRequest, ApprovalRequestReply } from '@fedplane/core';
import { insertOutbox } from '../adapters/pg-outbox.js';
import { insertPending } from '../adapters/pg-pending.js';
import { rulesForRequester } from '../adapters/pg-rules.js';
import { withTransaction } from '../adapters/pg-transaction.js';
import { actionTarget, planRequest } from '../core/request-plan.js';
import type { ApprovalsDeps } from './approvals-deps.js';
import { decidedEvent, requestedEvent } from './approval-events.js';

/**
 * `fed.approvals.request` (approvals.md): stores the pending action and emits
 * `approval.requested`; when a rule decides it at once (deny-first over configured and remembered
 * rules) the row is stored already decided and `approval.decided` is emitted too, in the same
 * transaction's outbox. Replies `{pending_id, status}`.
 */
export async function handleRequest(
  deps: ApprovalsDeps,
  request: ApprovalRequest,
  requestId: string,
): Promise<ApprovalRequestReply> {
  const nowMs = deps.clock.nowMs();
  const remembered = await rulesForRequester(deps.pool, {
    agentId: request.requested_by,
    nowMs,
  });
  const plan = planRequest({
    request,
    id: deps.newId(nowMs),
    nowMs,
    defaultTimeoutS: deps.settings.defaultTimeoutS,
    remembered: remembered.map((r) => r.rule),
    configured: deps.settings.configuredRules,
    instanceAgentId: deps.signer.agentId,
  });
  const { row } = plan;
  const cause = request.cause ?? requestId;
  const staged = [
    deps.events.build(requestedEvent({ row, subject: actionTarget(row.payload, row.id), cause })),
  ];
  if (row.status !== 'pending' && row.decidedBy !== null) {
    staged.push(
      deps.events.build(
        decidedEvent({
          pending: {
            id: row.id,
            actionType: row.actionType,
            namespace: row.namespace,
            requestedBy: row.requestedBy,
          },
          decision: row.status === 'approved' ? 'approve' : 'deny',
          decider: row.decidedBy,
          remember: row.remember ?? 'once',
          cause,
          ...(plan.rule === null ? {} : { ruleId: plan.rule.id }),
        }),
      ),
    );
  }
  await withTransaction(deps.pool, async (db) => {
    await insertPending(db, row);
    await insertOutbox(db, staged, nowMs);
  });
  deps.events.committed(staged);
  deps.log.info(
    {
      pending_id: row.id,
      action_type: row.actionType,
      namespace: row.namespace,
      requested_by: row.requestedBy,
      status: row.status,
      rule_id: plan.rule?.id,
    },
    'approval requested',
  );
  return { pending_id: row.id, status: row.status };
}
