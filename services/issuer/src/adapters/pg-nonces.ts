import type { Queryable } from './pg-transaction.js';

/**
 * `renew_nonces`: every renewal nonce a node used in the last 10 minutes, shared by every issuer
 * instance (reference §8 items 15 and 27: a time-bounded, shared replay window). Nonces are
 * recorded by `recordNonceAndLock` (`pg-registrations.ts`) in the renewal's transaction.
 */

/** How long a nonce is remembered (longer than the ±60 s `ts` window on either side). */
export const NONCE_MEMORY_MS = 10 * 60 * 1000;

/** Deletes expired nonces (at most `limit` per call); returns how many. */
export async function deleteExpiredNonces(
  db: Queryable,
  nowMs: number,
  limit = 10_000,
): Promise<number> {
  const result = await db.query(
    `DELETE FROM renew_nonces WHERE ctid IN (
       SELECT ctid FROM renew_nonces WHERE expires_at <= $1 LIMIT $2)`,
    [new Date(nowMs), limit],
  );
  return result.rowCount ?? 0;
}
