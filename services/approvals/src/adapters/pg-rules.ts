import type { ActionType, Decision, RuleView } from '@fedplane/core';
import type { RememberedRule } from '../core/rules.js';
import type { Queryable } from './pg-transaction.js';

/**
 * Statements on `approval_rules`: remembered `session` / `forever` decisions, one per
 * `(action_type, namespace, agent_id, decision)` (first `recorded_at` wins; a `forever` decision
 * upgrades a `session` rule to `forever`; an expired `session` rule is replaced).
 */

type Row = {
  id: string;
  action_type: string;
  namespace: string;
  agent_id: string;
  decision: Decision;
  remember: 'session' | 'forever';
  recorded_at: Date;
  expires_at: Date | null;
  pending_id: string | null;
};

/** A stored rule: the core view and the wire view. */
export type StoredRule = {
  readonly rule: RememberedRule;
  readonly view: RuleView;
  readonly pendingId: string | null;
};

const COLUMNS =
  'id, action_type, namespace, agent_id, decision, remember, recorded_at, expires_at, pending_id';

function toStored(row: Row): StoredRule {
  return {
    rule: {
      id: row.id,
      actionType: row.action_type,
      namespace: row.namespace,
      agentId: row.agent_id,
      decision: row.decision,
      remember: row.remember,
      expiresAtMs: row.expires_at === null ? null : row.expires_at.getTime(),
    },
    view: {
      id: row.id,
      action_type: row.action_type as ActionType,
      namespace: row.namespace,
      agent_id: row.agent_id,
      decision: row.decision,
      remember: row.remember,
      recorded_at: row.recorded_at.toISOString(),
      expires_at: row.expires_at === null ? null : row.expires_at.toISOString(),
    },
    pendingId: row.pending_id,
  };
}

/** Every rule still active at `nowMs` (`forever`, or `session` before expiry), oldest first. */
export async function listActiveRules(db: Queryable, nowMs: number): Promise<StoredRule[]> {
  const result = await db.query<Row>(
    `SELECT ${COLUMNS} FROM approval_rules WHERE expires_at IS NULL OR expires_at > $1
     ORDER BY recorded_at, id`,
    [new Date(nowMs)],
  );
  return result.rows.map(toStored);
}

/** Active rules of one requester (what a request is evaluated against). */
export async function rulesForRequester(
  db: Queryable,
  query: { readonly agentId: string; readonly nowMs: number },
): Promise<StoredRule[]> {
  const result = await db.query<Row>(
    `SELECT ${COLUMNS} FROM approval_rules
     WHERE agent_id = $1 AND (expires_at IS NULL OR expires_at > $2)`,
    [query.agentId, new Date(query.nowMs)],
  );
  return result.rows.map(toStored);
}

/** A rule to remember. */
export type NewRule = {
  readonly id: string;
  readonly actionType: string;
  readonly namespace: string;
  readonly agentId: string;
  readonly decision: Decision;
  readonly remember: 'session' | 'forever';
  readonly recordedAtMs: number;
  readonly expiresAtMs: number | null;
  readonly pendingId: string;
};

/** Records (or merges into) the rule of the tuple; returns the stored rule. In a transaction. */
export async function recordRule(db: Queryable, rule: NewRule): Promise<StoredRule> {
  await db.query(
    `DELETE FROM approval_rules WHERE action_type = $1 AND namespace = $2 AND agent_id = $3
       AND decision = $4 AND expires_at IS NOT NULL AND expires_at <= $5`,
    [rule.actionType, rule.namespace, rule.agentId, rule.decision, new Date(rule.recordedAtMs)],
  );
  const result = await db.query<Row>(
    `INSERT INTO approval_rules (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (action_type, namespace, agent_id, decision) DO UPDATE SET
       remember = CASE WHEN EXCLUDED.remember = 'forever' THEN 'forever'
                       ELSE approval_rules.remember END,
       expires_at = CASE WHEN EXCLUDED.remember = 'forever' OR approval_rules.expires_at IS NULL
                         THEN NULL
                         ELSE GREATEST(approval_rules.expires_at, EXCLUDED.expires_at) END
     RETURNING ${COLUMNS}`,
    [
      rule.id,
      rule.actionType,
      rule.namespace,
      rule.agentId,
      rule.decision,
      rule.remember,
      new Date(rule.recordedAtMs),
      rule.expiresAtMs === null ? null : new Date(rule.expiresAtMs),
      rule.pendingId,
    ],
  );
  const row = result.rows[0];
  if (row === undefined) throw new Error('rule upsert returned no row');
  return toStored(row);
}

/** Deletes one rule; the deleted rule, or undefined when there was none. */
export async function deleteRule(db: Queryable, id: string): Promise<StoredRule | undefined> {
  const result = await db.query<Row>(
    `DELETE FROM approval_rules WHERE id = $1 RETURNING ${COLUMNS}`,
    [id],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : toStored(row);
}

/** Deletes up to `limit` expired `session` rules; returns them. */
export async function deleteExpiredRules(
  db: Queryable,
  nowMs: number,
  limit: number,
): Promise<StoredRule[]> {
  const result = await db.query<Row>(
    `DELETE FROM approval_rules WHERE id IN (
       SELECT id FROM approval_rules WHERE expires_at IS NOT NULL AND expires_at <= $1
       ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING ${COLUMNS}`,
    [new Date(nowMs), limit],
  );
  return result.rows.map(toStored);
}
