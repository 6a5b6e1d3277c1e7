import type {
  ActionType,
  Approvers,
  PendingActionView,
  PendingStatus,
  Remember,
} from '@fedplane/core';
import type { Vote } from '../core/decide.js';
import type { PendingPosition } from '../core/pending-cursor.js';
import type { PendingRow } from '../core/request-plan.js';
import type { Queryable } from './pg-transaction.js';

/**
 * Statements on `pending_actions` (approvals.md). Every transition is conditional on
 * `status = 'pending'`, so the first decision wins and a sweep never overwrites a decision.
 */

const COLUMNS = `id, action_type, namespace, payload, requested_by, requested_at, status,
  decided_by, decided_at, approvals, quorum, approver_agent, expires_at, cause, remember`;

type Row = {
  id: string;
  action_type: string;
  namespace: string;
  payload: Record<string, unknown>;
  requested_by: string;
  requested_at: Date;
  status: PendingStatus;
  decided_by: string | null;
  decided_at: Date | null;
  approvals: Vote[];
  quorum: number | null;
  approver_agent: string | null;
  expires_at: Date;
  cause: string | null;
  remember: Remember | null;
};

/** A stored pending action: its wire view plus what the shell needs besides. */
export type StoredPending = {
  readonly view: PendingActionView;
  readonly requestedAtMs: number;
  readonly expiresAtMs: number;
  readonly remember: Remember | null;
};

function approversOf(row: Row): Approvers {
  if (row.quorum !== null) return { kind: 'quorum', quorum: row.quorum };
  if (row.approver_agent !== null) return { kind: 'agent', agent_id: row.approver_agent };
  return { kind: 'any' };
}

function toStored(row: Row): StoredPending {
  return {
    view: {
      id: row.id,
      action_type: row.action_type as ActionType,
      namespace: row.namespace,
      payload: row.payload,
      requested_by: row.requested_by,
      requested_at: row.requested_at.toISOString(),
      status: row.status,
      approvers: approversOf(row),
      approvals: row.approvals,
      decided_by: row.decided_by,
      decided_at: row.decided_at === null ? null : row.decided_at.toISOString(),
      expires_at: row.expires_at.toISOString(),
      cause: row.cause,
    },
    requestedAtMs: row.requested_at.getTime(),
    expiresAtMs: row.expires_at.getTime(),
    remember: row.remember,
  };
}

const ms = (value: number | null): Date | null => (value === null ? null : new Date(value));

/** Inserts a planned row. */
export async function insertPending(db: Queryable, row: PendingRow): Promise<void> {
  const approvers = row.approvers;
  await db.query(
    `INSERT INTO pending_actions (id, action_type, namespace, payload, requested_by, requested_at,
       status, decided_by, decided_at, approvals, quorum, approver_agent, expires_at, cause, remember)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '[]'::jsonb, $10, $11, $12, $13, $14)`,
    [
      row.id,
      row.actionType,
      row.namespace,
      JSON.stringify(row.payload),
      row.requestedBy,
      new Date(row.requestedAtMs),
      row.status,
      row.decidedBy,
      ms(row.decidedAtMs),
      approvers.kind === 'quorum' ? approvers.quorum : null,
      approvers.kind === 'agent' ? approvers.agent_id : null,
      new Date(row.expiresAtMs),
      row.cause,
      row.remember,
    ],
  );
}

/** One pending action, or undefined. `lock` takes a row lock (inside a transaction). */
export async function getPending(
  db: Queryable,
  id: string,
  lock = false,
): Promise<StoredPending | undefined> {
  const result = await db.query<Row>(
    `SELECT ${COLUMNS} FROM pending_actions WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : toStored(row);
}

/** A final decision, only while still pending. True when this call made it. */
export async function finishPending(
  db: Queryable,
  change: {
    readonly id: string;
    readonly status: 'approved' | 'denied';
    readonly decidedBy: string;
    readonly decidedAtMs: number;
    readonly votes: readonly Vote[];
    readonly remember: Remember;
  },
): Promise<boolean> {
  const result = await db.query(
    `UPDATE pending_actions SET status = $2, decided_by = $3, decided_at = $4, approvals = $5,
       remember = $6
     WHERE id = $1 AND status = 'pending'`,
    [
      change.id,
      change.status,
      change.decidedBy,
      new Date(change.decidedAtMs),
      JSON.stringify(change.votes),
      change.remember,
    ],
  );
  return result.rowCount === 1;
}

/** Records the votes of a quorum action that is still pending. True when written. */
export async function recordVotes(
  db: Queryable,
  id: string,
  votes: readonly Vote[],
): Promise<boolean> {
  const result = await db.query(
    `UPDATE pending_actions SET approvals = $2 WHERE id = $1 AND status = 'pending'`,
    [id, JSON.stringify(votes)],
  );
  return result.rowCount === 1;
}

/** A page query of `GET /api/v1/pending` (after the cursor was decoded). */
export type PendingPageQuery = {
  readonly status?: PendingStatus;
  readonly namespace?: string;
  readonly after?: PendingPosition;
  readonly limit: number;
};

/** Up to `limit + 1` rows after `after` in `(requested_at, id)` order, filters applied in SQL. */
export async function listPending(db: Queryable, q: PendingPageQuery): Promise<StoredPending[]> {
  const result = await db.query<Row>(
    `SELECT ${COLUMNS} FROM pending_actions
     WHERE ($1::text IS NULL OR status = $1)
       AND ($2::text IS NULL OR namespace = $2)
       AND ($3::timestamptz IS NULL OR (requested_at, id) > ($3::timestamptz, $4::text))
     ORDER BY requested_at, id
     LIMIT $5`,
    [
      q.status ?? null,
      q.namespace ?? null,
      q.after === undefined ? null : new Date(q.after.requestedAtMs),
      q.after?.id ?? '',
      q.limit + 1,
    ],
  );
  return result.rows.map(toStored);
}

/**
 * Expires up to `limit` pending rows past `expires_at` (conditional on `pending`; rows another
 * sweeper holds are skipped) and returns them.
 */
export async function expireDue(
  db: Queryable,
  nowMs: number,
  limit: number,
): Promise<StoredPending[]> {
  const result = await db.query<Row>(
    `UPDATE pending_actions SET status = 'expired', decided_at = $1
     WHERE id IN (
       SELECT id FROM pending_actions WHERE status = 'pending' AND expires_at <= $1
       ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       AND status = 'pending'
     RETURNING ${COLUMNS}`,
    [new Date(nowMs), limit],
  );
  return result.rows.map(toStored);
}
