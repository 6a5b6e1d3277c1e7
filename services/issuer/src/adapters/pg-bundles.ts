import { parseJsonText, parseTrustBundle, type TrustBundle } from '@fedplane/core';
import type { Queryable } from './pg-transaction.js';

/**
 * Statements on `trust_bundles`: every bundle the issuer produced, by sequence. The latest row is
 * the source of truth; KV `fed-trust`/`bundle` mirrors it.
 */

/** Key of the transaction-level advisory lock that serialises bundle transitions. */
export const BUNDLE_LOCK_KEY = '7377446513210451301';

/** Takes the bundle lock until the transaction ends. */
export async function lockBundles(db: Queryable): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1::bigint)', [BUNDLE_LOCK_KEY]);
}

/** The latest stored bundle, or `undefined`. Throws when the stored JSON is not a bundle. */
export async function latestBundle(db: Queryable): Promise<TrustBundle | undefined> {
  const result = await db.query<{ bundle: string }>(
    'SELECT bundle FROM trust_bundles ORDER BY sequence DESC LIMIT 1',
  );
  const row = result.rows[0];
  if (row === undefined) return undefined;
  const json = parseJsonText(row.bundle);
  const parsed = json.ok ? parseTrustBundle(json.value) : undefined;
  if (parsed?.ok !== true) throw new Error('stored trust bundle does not parse');
  return parsed.value;
}

/** Stores `bundle` with its `text` (the exact JSON published). */
export async function insertBundle(
  db: Queryable,
  bundle: TrustBundle,
  text: string,
  nowMs: number,
): Promise<void> {
  await db.query('INSERT INTO trust_bundles (sequence, bundle, created_at) VALUES ($1, $2, $3)', [
    bundle.sequence,
    text,
    new Date(nowMs),
  ]);
}
