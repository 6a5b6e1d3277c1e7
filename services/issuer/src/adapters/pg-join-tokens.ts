import type { JoinTokenRow } from '../core/attest-decision.js';
import { nullableMs, type Queryable } from './pg-transaction.js';

/** Statements on `join_tokens`: tokens are stored only as the hex SHA-256 of the token text. */

type Row = { node_id: string; expires_at: Date; used_at: Date | null };

/** The token with this hash, row-locked until the transaction ends, or `undefined`. */
export async function lockJoinToken(
  db: Queryable,
  tokenSha256: string,
): Promise<JoinTokenRow | undefined> {
  const result = await db.query<Row>(
    'SELECT node_id, expires_at, used_at FROM join_tokens WHERE token_sha256 = $1 FOR UPDATE',
    [tokenSha256],
  );
  const row = result.rows[0];
  if (row === undefined) return undefined;
  return {
    nodeId: row.node_id,
    expiresAtMs: row.expires_at.getTime(),
    usedAtMs: nullableMs(row.used_at),
  };
}

/**
 * Marks the token used, only if it still is unused (so two racing transactions cannot both
 * consume it). Returns true when this call consumed it.
 */
export async function consumeJoinToken(
  db: Queryable,
  tokenSha256: string,
  nowMs: number,
): Promise<boolean> {
  const result = await db.query(
    'UPDATE join_tokens SET used_at = $2 WHERE token_sha256 = $1 AND used_at IS NULL',
    [tokenSha256, new Date(nowMs)],
  );
  return result.rowCount === 1;
}

/** Deletes the node's unused tokens (a new enrollment replaces them). */
export async function deleteUnusedJoinTokens(db: Queryable, nodeId: string): Promise<void> {
  await db.query('DELETE FROM join_tokens WHERE node_id = $1 AND used_at IS NULL', [nodeId]);
}

/** Stores a new token hash. */
export async function insertJoinToken(
  db: Queryable,
  token: {
    readonly sha256: string;
    readonly nodeId: string;
    readonly nowMs: number;
    readonly expiresAtMs: number;
  },
): Promise<void> {
  await db.query(
    'INSERT INTO join_tokens (token_sha256, node_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
    [token.sha256, token.nodeId, new Date(token.nowMs), new Date(token.expiresAtMs)],
  );
}
