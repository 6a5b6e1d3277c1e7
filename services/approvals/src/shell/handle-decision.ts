import { AppError, ErrorCode, type DecisionBody, type DecisionResponse } from '@fedplane/core';
import { insertOutbox, type OutboxEvent } from '../adapters/pg-outbox.js';
import {
  finishPending,
  getPending,
  recordVotes,
  type StoredPending,
} from '../adapters/pg-pending.js';
import { recordRule } from '../adapters/pg-rules.js';
import { withTransaction, type Queryable } from '../adapters/pg-transaction.js';
import { decide, type DecideOutcome } from '../core/decide.js';
import type { ApprovalsDeps } from './approvals-deps.js';
import { decidedEvent, ruleRecordedEvent, type PendingRef } from './approval-events.js';

/**
 * `POST /api/v1/approvals/:id` after authentication (approvals.md; reference §6.2): in one
 * transaction, lock the row, let core `decide` judge the vote, write the outcome conditionally on
 * `pending`, remember a `session` / `forever` decision as a rule about the requester, and stage
 * `approval.decided` (+ `approval.rule_recorded`) in the outbox; publish after the commit.
 * Unknown id → NOT_FOUND, not pending → CONFLICT, self-approval or not the named approver →
 * FORBIDDEN; nothing is written in those cases.
 */

/** Input of {@link handleDecision}. */
export type DecisionInput = {
  readonly id: string;
  /** `X-Agent-Id`, validated. */
  readonly decider: string;
  readonly body: DecisionBody;
};

function refPending(stored: StoredPending): PendingRef {
  const v = stored.view;
  return {
    id: v.id,
    actionType: v.action_type,
    namespace: v.namespace,
    requestedBy: v.requested_by,
  };
}

function refuse(outcome: DecideOutcome): never {
  if (outcome.kind === 'refused') {
    const message =
      outcome.reason === 'self_approval'
        ? 'a decider may not approve their own request'
        : 'this action names another approver';
    throw new AppError(ErrorCode.FORBIDDEN, message, { details: { reason: outcome.reason } });
  }
  if (outcome.kind === 'conflict') {
    throw new AppError(ErrorCode.CONFLICT, 'already decided', {
      details: { status: outcome.status },
    });
  }
  throw new AppError(ErrorCode.INTERNAL, 'unexpected outcome');
}

type Decided = { readonly response: DecisionResponse; readonly staged: OutboxEvent[] };

async function finish(
  deps: ApprovalsDeps,
  db: Queryable,
  ctx: {
    readonly input: DecisionInput;
    readonly stored: StoredPending;
    readonly outcome: Extract<DecideOutcome, { kind: 'approved' | 'denied' }>;
    readonly nowMs: number;
  },
): Promise<Decided> {
  const { input, stored, outcome, nowMs } = ctx;
  const { decision, remember } = input.body;
  const votes = outcome.kind === 'approved' ? outcome.votes : stored.view.approvals;
  const written = await finishPending(db, {
    id: input.id,
    status: outcome.kind,
    decidedBy: input.decider,
    decidedAtMs: nowMs,
    votes,
    remember,
  });
  if (!written) throw new AppError(ErrorCode.CONFLICT, 'already decided');
  const pending = refPending(stored);
  const quorum = stored.view.approvers.kind === 'quorum';
  const staged = [
    deps.events.build(
      decidedEvent({
        pending,
        decision,
        decider: input.decider,
        remember,
        ...(quorum && outcome.kind === 'approved' ? { votes: votes.length } : {}),
      }),
    ),
  ];
  if (remember !== 'once') {
    const rule = await recordRule(db, {
      id: deps.newId(nowMs),
      actionType: pending.actionType,
      namespace: pending.namespace,
      agentId: pending.requestedBy,
      decision,
      remember,
      recordedAtMs: nowMs,
      expiresAtMs: remember === 'session' ? nowMs + deps.settings.sessionTtlMs : null,
      pendingId: pending.id,
    });
    staged.push(deps.events.build(ruleRecordedEvent(rule, pending.id)));
  }
  await insertOutbox(db, staged, nowMs);
  const response: DecisionResponse =
    outcome.kind === 'approved'
      ? { approved: true, id: input.id, decided_by: input.decider, remember }
      : { rejected: true, id: input.id, decided_by: input.decider, remember };
  return { response, staged };
}

/** Decides (see the module comment); the response body of a 200. */
export async function handleDecision(
  deps: ApprovalsDeps,
  input: DecisionInput,
): Promise<DecisionResponse> {
  const nowMs = deps.clock.nowMs();
  const result = await withTransaction(deps.pool, async (db): Promise<Decided> => {
    const stored = await getPending(db, input.id, true);
    if (stored === undefined) throw new AppError(ErrorCode.NOT_FOUND, 'unknown pending action');
    const outcome = decide({
      pending: {
        requestedBy: stored.view.requested_by,
        status: stored.view.status,
        approvers: stored.view.approvers,
        votes: stored.view.approvals,
        expiresAtMs: stored.expiresAtMs,
      },
      decider: input.decider,
      decision: input.body.decision,
      nowMs,
      nowText: new Date(nowMs).toISOString(),
    });
    switch (outcome.kind) {
      case 'vote_recorded':
        if (outcome.changed) await recordVotes(db, input.id, outcome.votes);
        return {
          response: {
            approved: false,
            status: 'pending',
            id: input.id,
            votes: outcome.votes.length,
            quorum: outcome.quorum,
            remember: input.body.remember,
          },
          staged: [],
        };
      case 'approved':
      case 'denied':
        return finish(deps, db, { input, stored, outcome, nowMs });
      case 'refused':
      case 'conflict':
        return refuse(outcome);
    }
  });
  deps.events.committed(result.staged);
  deps.log.info(
    { pending_id: input.id, decider: input.decider, decision: input.body.decision },
    'decision recorded',
  );
  return result.response;
}
