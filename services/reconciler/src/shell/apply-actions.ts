import {
  AgentRenewReplySchema,
  AppError,
  ApprovalRequestReplySchema,
  EnrollReplySchema,
  ErrorCode,
  RevokeReplySchema,
  sha256Hex,
  utf8,
  type Posture,
  type ReconcileAction,
} from '@fedplane/core';
import {
  FixedSubject,
  agentRenewSubject,
  request,
  writePosture,
  type PostureView,
} from '@fedplane/messaging';
import {
  isNodeAction,
  journalKey,
  type JournalState,
  type NodeAction,
} from '../core/action-gate.js';
import { actionRef } from '../core/plan-summary.js';
import { readDecision } from './approval-decision.js';
import { emit, type ReconcilerContext } from './context.js';
import type { LoadedInventory } from './inventory-source.js';

/**
 * Carries out plan actions (reconciler.md "Applying the plan"): enroll through the issuer (the
 * join token in the reply is dropped on the spot — never logged, stored or published; the operator
 * takes a token with `fedplane enroll`), renew through the node's agent, decommission through
 * approvals (or directly with `RECONCILER_AUTO_DECOMMISSION`) then the issuer's revoke, and the
 * posture by a signed compare-and-set. Node actions are journalled `in_flight` before the call and
 * `failed` when it fails.
 */

/** What an action needs to know about its pass. */
export type ActionPass = {
  readonly loaded: LoadedInventory;
  readonly view: PostureView;
  /** Id of this pass's `reconcile.planned` event, the cause of what it does. */
  readonly cause: string | undefined;
};

function subjectOf(action: ReconcileAction): string | undefined {
  return 'id' in action ? action.id : undefined;
}

async function journal(
  ctx: ReconcilerContext,
  action: NodeAction,
  state: JournalState,
  pendingId?: string,
): Promise<void> {
  await ctx.journal.put({
    kind: action.kind,
    id: action.id,
    state,
    at_ms: ctx.clock.nowMs(),
    holder: ctx.signer.agentId,
    ...(pendingId === undefined ? {} : { pending_id: pendingId }),
  });
}

async function applied(
  ctx: ReconcilerContext,
  action: ReconcileAction,
  extra: Record<string, unknown>,
  cause: string | undefined,
): Promise<void> {
  await emit(ctx, {
    type: 'reconcile.action_applied',
    subject: subjectOf(action),
    cause,
    data: { action: actionRef(action), outcome: 'applied', ...extra },
  });
}

/** Reports a failed action (`reconcile.action_failed`); it is retried by a later pass. */
export async function failed(
  ctx: ReconcilerContext,
  action: ReconcileAction,
  err: unknown,
  cause: string | undefined,
): Promise<void> {
  const code: string = err instanceof AppError ? (err as AppError).code : ErrorCode.INTERNAL;
  const message = (err instanceof Error ? err.message : 'failed').slice(0, 512) || 'failed';
  ctx.log.warn({ err, action: actionRef(action) }, 'reconcile action failed');
  await emit(ctx, {
    type: 'reconcile.action_failed',
    subject: subjectOf(action),
    cause,
    data: {
      action: actionRef(action),
      error: code,
      message,
      retryable: code !== ErrorCode.BAD_REQUEST && code !== ErrorCode.FORBIDDEN,
    },
  });
}

async function revoke(ctx: ReconcilerContext, action: NodeAction, pass: ActionPass): Promise<void> {
  await request(
    ctx.bus.nc,
    FixedSubject.issuerRevoke,
    { node_id: action.id, reason: 'not in the inventory (reconciler decommission)' },
    { schema: RevokeReplySchema, timeoutMs: ctx.settings.requestTimeoutMs },
  );
  await journal(ctx, action, 'applied');
  await applied(ctx, action, {}, pass.cause);
}

async function enroll(ctx: ReconcilerContext, action: NodeAction, pass: ActionPass): Promise<void> {
  const node = pass.loaded.inventory.nodes.find((n) => n.id === action.id);
  await journal(ctx, action, 'in_flight');
  // The reply carries a join token: it is validated and dropped here, never kept. `keep_tokens`:
  // a token the operator already took for this node with `fedplane enroll` stays valid.
  await request(
    ctx.bus.nc,
    FixedSubject.issuerEnroll,
    {
      node_id: action.id,
      keep_tokens: true,
      ...(node === undefined ? {} : { region: node.region, ttl_s: node.credTtlS }),
    },
    { schema: EnrollReplySchema, timeoutMs: ctx.settings.requestTimeoutMs },
  );
  await journal(ctx, action, 'applied');
  await applied(ctx, action, {}, pass.cause);
}

async function issue(ctx: ReconcilerContext, action: NodeAction, pass: ActionPass): Promise<void> {
  await journal(ctx, action, 'in_flight');
  await request(
    ctx.bus.nc,
    agentRenewSubject(action.id),
    { reason: 'reconciler: node present but cannot sign' },
    { schema: AgentRenewReplySchema, timeoutMs: ctx.settings.requestTimeoutMs },
  );
  await journal(ctx, action, 'applied');
  await applied(ctx, action, {}, pass.cause);
}

async function decommission(
  ctx: ReconcilerContext,
  action: NodeAction,
  pass: ActionPass,
): Promise<void> {
  await journal(ctx, action, 'in_flight');
  if (ctx.settings.autoDecommission) {
    await revoke(ctx, action, pass);
    return;
  }
  const reply = await request(
    ctx.bus.nc,
    FixedSubject.approvalsRequest,
    {
      action_type: 'decommission_node',
      namespace: `fleet/${pass.loaded.inventory.trustDomain}`,
      requested_by: ctx.signer.agentId,
      payload: { node_id: action.id, inventory_sha256: pass.loaded.sha256 },
      ...(pass.cause === undefined ? {} : { cause: pass.cause }),
    },
    { schema: ApprovalRequestReplySchema, timeoutMs: ctx.settings.requestTimeoutMs },
  );
  if (reply.status === 'approved') {
    await revoke(ctx, action, pass);
    return;
  }
  if (reply.status === 'denied') {
    await journal(ctx, action, 'denied', reply.pending_id);
    ctx.log.info({ node_id: action.id, pending_id: reply.pending_id }, 'decommission denied');
    return;
  }
  await journal(ctx, action, 'approval_pending', reply.pending_id);
  await emit(ctx, {
    type: 'reconcile.action_applied',
    subject: action.id,
    cause: pass.cause,
    data: {
      action: actionRef(action),
      outcome: 'approval_requested',
      pending_id: reply.pending_id,
    },
  });
}

/** A decommission waiting for approval: revoke once approved, remember a denial. */
export async function awaitDecision(
  ctx: ReconcilerContext,
  action: NodeAction,
  pendingId: string,
  pass: ActionPass,
): Promise<void> {
  try {
    const decision = await readDecision(ctx, pendingId);
    if (decision === undefined) return;
    if (decision === 'deny') {
      await journal(ctx, action, 'denied', pendingId);
      ctx.log.info({ node_id: action.id, pending_id: pendingId }, 'decommission denied');
      return;
    }
    await revoke(ctx, action, { ...pass, cause: pendingId });
  } catch (err) {
    await failed(ctx, action, err, pass.cause);
  }
}

/** Writes the posture an enable/disable action asks for, and reports it. */
async function setPosture(
  ctx: ReconcilerContext,
  action: Extract<ReconcileAction, { kind: 'enable_strict' | 'disable_strict' }>,
  pass: ActionPass,
): Promise<void> {
  const previous = pass.view.posture;
  const posture: Posture = {
    require_sig: action.kind === 'enable_strict',
    revision: (previous?.revision ?? 0) + 1,
    decided_at: new Date(ctx.clock.nowMs()).toISOString(),
    evidence: action.kind === 'enable_strict' ? action.evidence.map((e) => ({ ...e })) : [],
  };
  const written = await writePosture(ctx.postureKv, {
    posture,
    signer: ctx.signer,
    expectedKvRevision: pass.view.latestKvRevision,
  });
  if (!written.ok) {
    throw new AppError(ErrorCode.CONFLICT, 'posture changed since it was read');
  }
  ctx.log.info(
    { require_sig: posture.require_sig, revision: posture.revision, kv_revision: written.revision },
    'posture written',
  );
  await applied(ctx, action, { posture_revision: posture.revision }, pass.cause);
  await emit(ctx, {
    type: 'enforcement.changed',
    cause: pass.cause,
    data: {
      require_sig: posture.require_sig,
      revision: posture.revision,
      ...(previous === undefined ? {} : { previous_require_sig: previous.require_sig }),
      decided_at: posture.decided_at,
      evidence_count: posture.evidence.length,
      posture_sha256: sha256Hex(utf8(JSON.stringify(posture))),
    },
  });
}

/** Carries out one action; a failure is reported, never thrown. */
export async function executeAction(
  ctx: ReconcilerContext,
  action: ReconcileAction,
  pass: ActionPass,
): Promise<void> {
  try {
    switch (action.kind) {
      case 'enroll_node':
        return await enroll(ctx, action, pass);
      case 'issue_credential':
        return await issue(ctx, action, pass);
      case 'decommission_node':
        return await decommission(ctx, action, pass);
      case 'enable_strict':
      case 'disable_strict':
        return await setPosture(ctx, action, pass);
    }
  } catch (err) {
    await forgetInFlight(ctx, action);
    await failed(ctx, action, err, pass.cause);
  }
}

/**
 * After a failure, replaces this attempt's `in_flight` record by `failed` (nothing was done; a
 * later pass retries after the backoff). A record in another state — an approval already asked
 * for — stays.
 */
async function forgetInFlight(ctx: ReconcilerContext, action: ReconcileAction): Promise<void> {
  if (!isNodeAction(action)) return;
  const key = journalKey(action.kind, action.id);
  if (ctx.journal.entries().get(key)?.state !== 'in_flight') return;
  try {
    await journal(ctx, action, 'failed');
  } catch (err) {
    ctx.log.warn({ err, key }, 'journal entry update failed');
  }
}
