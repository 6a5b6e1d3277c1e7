import type { Registration } from '../core/registration.js';
import type { OutboxEvent } from './pg-outbox.js';
import type { Queryable } from './pg-transaction.js';

/**
 * The renewal fast path's write (renew-fast-path.ts): for each renewal, record the issuance, the
 * nonce and the staged events ONLY when the registration is still exactly what the decision read
 * (enrolled, same generation, same latest credential, region and TTL) and the nonce is unused;
 * else write nothing for it. Several renewals go in ONE statement (autocommit; the issuer's group
 * commit, runtime `createGroupCommit`), each compared on its own: the statement answers which of
 * them were written. Two renewals of one node in a batch: at most one can match the row (the
 * other's compare fails and its caller takes the locked path, as when they race across
 * statements). Rows are visited in node id order so concurrent batches lock in the same order.
 */

/** One renewal to write. */
export type RenewWrite = {
  /** The registration the decision was made on (the compare half of the compare-and-set). */
  readonly expected: Registration;
  /** The id of the presented credential (must still be the latest). */
  readonly presentedId: string;
  readonly generation: number;
  readonly credentialId: string;
  readonly notAfter: number;
  /** The exact reply JSON (kept for a lost-reply retry). */
  readonly reply: string;
  readonly nonce: string;
  readonly nonceExpiresMs: number;
  readonly nowMs: number;
  readonly events: readonly OutboxEvent[];
};

const RENEW_CAS_SQL = `WITH b AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::int[],
      $7::bigint[], $8::text[], $9::bigint[], $10::text[], $11::timestamptz[], $12::text[],
      $13::timestamptz[])
      AS b (idx, node_id, presented_id, expected_generation, region, cred_ttl_s, generation,
        credential_id, not_after, reply, now, nonce, nonce_expires_at)
    ORDER BY node_id),
  u AS (
    UPDATE registrations r SET generation = b.generation, last_credential_id = b.credential_id,
      prev_credential_id = b.presented_id, last_not_after = b.not_after, last_reply = b.reply,
      last_presented_at = NULL, last_issued_at = b.now, updated_at = b.now
    FROM b
    WHERE r.node_id = b.node_id AND r.status = 'enrolled' AND r.last_credential_id = b.presented_id
      AND r.generation = b.expected_generation
      AND r.region IS NOT DISTINCT FROM b.region AND r.cred_ttl_s IS NOT DISTINCT FROM b.cred_ttl_s
      AND NOT EXISTS (SELECT 1 FROM renew_nonces
        WHERE node_id = b.node_id AND nonce = b.nonce AND expires_at > b.now)
    RETURNING b.idx, b.node_id, b.nonce, b.nonce_expires_at, b.now),
  n AS (
    INSERT INTO renew_nonces (node_id, nonce, expires_at)
    SELECT node_id, nonce, nonce_expires_at FROM u
    ON CONFLICT (node_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at),
  o AS (
    INSERT INTO event_outbox (event_id, subject, body, created_at)
    SELECT e.id, e.subject, e.body, u.now
    FROM unnest($14::int[], $15::text[], $16::text[], $17::bytea[]) AS e (idx, id, subject, body)
    JOIN u ON u.idx = e.idx)
  SELECT idx FROM u`;

/** Writes `renewals` in one statement; one boolean per renewal (true: written). */
export async function renewManyIfCurrent(
  db: Queryable,
  renewals: readonly RenewWrite[],
): Promise<boolean[]> {
  if (renewals.length === 0) return [];
  const events = renewals.flatMap((r, idx) => r.events.map((e) => ({ idx, e })));
  const result = await db.query<{ idx: number }>({
    name: 'issuer_renew_cas_many',
    text: RENEW_CAS_SQL,
    values: [
      renewals.map((_, idx) => idx),
      renewals.map((r) => r.expected.nodeId),
      renewals.map((r) => r.presentedId),
      renewals.map((r) => r.expected.generation),
      renewals.map((r) => r.expected.region),
      renewals.map((r) => r.expected.credTtlS),
      renewals.map((r) => r.generation),
      renewals.map((r) => r.credentialId),
      renewals.map((r) => r.notAfter),
      renewals.map((r) => r.reply),
      renewals.map((r) => new Date(r.nowMs)),
      renewals.map((r) => r.nonce),
      renewals.map((r) => new Date(r.nonceExpiresMs)),
      events.map((x) => x.idx),
      events.map((x) => x.e.eventId),
      events.map((x) => x.e.subject),
      events.map((x) => Buffer.from(x.e.body)),
    ],
  });
  const written = new Set(result.rows.map((row) => row.idx));
  return renewals.map((_, idx) => written.has(idx));
}
