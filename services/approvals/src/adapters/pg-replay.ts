import type { Queryable } from './pg-transaction.js';

/**
 * The HMAC replay cache shared by every replica (approvals.md; reference §8 #27 fixed): a used
 * decision signature is recorded in Postgres until `expires_at`, so a replay is refused whichever
 * instance it reaches. The claim is one atomic statement: of two replicas racing with the same
 * signature, exactly one gets the row.
 */

/**
 * Claims `key` until `expiresAtMs`. True when this call claimed it (first use, or the previous
 * use expired); false when it is still in use.
 */
export async function claimSignature(
  db: Queryable,
  claim: { readonly key: string; readonly nowMs: number; readonly expiresAtMs: number },
): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO approval_hmac_replay (signature_key, expires_at) VALUES ($1, $2)
     ON CONFLICT (signature_key) DO UPDATE SET expires_at = EXCLUDED.expires_at
       WHERE approval_hmac_replay.expires_at <= $3
     RETURNING signature_key`,
    [claim.key, new Date(claim.expiresAtMs), new Date(claim.nowMs)],
  );
  return result.rowCount === 1;
}

/** Deletes up to `limit` expired entries; returns how many. */
export async function deleteExpiredSignatures(
  db: Queryable,
  nowMs: number,
  limit: number,
): Promise<number> {
  const result = await db.query(
    `DELETE FROM approval_hmac_replay WHERE signature_key IN (
       SELECT signature_key FROM approval_hmac_replay WHERE expires_at <= $1 LIMIT $2)`,
    [new Date(nowMs), limit],
  );
  return result.rowCount ?? 0;
}
