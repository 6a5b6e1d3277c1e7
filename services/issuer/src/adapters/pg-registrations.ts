import type { Registration } from '../core/registration.js';
import type { OutboxEvent } from './pg-outbox.js';
import { bigintColumn, nullableBigint, nullableMs, type Queryable } from './pg-transaction.js';

/** Statements on `registrations` (one module per table; `$n` parameters only). */

type Row = {
  node_id: string;
  status: Registration['status'];
  region: string | null;
  attestor: Registration['attestor'];
  generation: string;
  cred_ttl_s: number | null;
  last_credential_id: string | null;
  prev_credential_id: string | null;
  last_not_after: string | null;
  last_reply: string | null;
  last_presented_at: Date | null;
};

const COLUMNS = `node_id, status, region, attestor, generation, cred_ttl_s, last_credential_id,
  prev_credential_id, last_not_after, last_reply, last_presented_at`;

function toRegistration(row: Row): Registration {
  return {
    nodeId: row.node_id,
    status: row.status,
    region: row.region,
    attestor: row.attestor,
    generation: bigintColumn(row.generation),
    credTtlS: row.cred_ttl_s,
    lastCredentialId: row.last_credential_id,
    prevCredentialId: row.prev_credential_id,
    lastNotAfter: nullableBigint(row.last_not_after),
    lastReply: row.last_reply,
    lastPresentedAtMs: nullableMs(row.last_presented_at),
  };
}

/** The registration of `nodeId`, row-locked until the transaction ends, or `undefined`. */
export async function lockRegistration(
  db: Queryable,
  nodeId: string,
): Promise<Registration | undefined> {
  const result = await db.query<Row>(
    `SELECT ${COLUMNS} FROM registrations WHERE node_id = $1 FOR UPDATE`,
    [nodeId],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : toRegistration(row);
}

/**
 * Records the renewal nonce `(nodeId, nonce)` (see `pg-nonces.ts`) and locks the node's
 * registration, in one statement. `fresh` is false for a nonce seen within its window; when the
 * registration does not exist the nonce is recorded and `registration` is `undefined` (the
 * caller refuses and rolls back either way).
 */
export async function recordNonceAndLock(
  db: Queryable,
  input: {
    readonly nodeId: string;
    readonly nonce: string;
    readonly nowMs: number;
    readonly memoryMs: number;
  },
): Promise<{ readonly fresh: boolean; readonly registration: Registration | undefined }> {
  const result = await db.query<Row & { fresh: number }>(
    `WITH n AS (
       INSERT INTO renew_nonces (node_id, nonce, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (node_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE renew_nonces.expires_at <= $4
       RETURNING 1)
     SELECT ${COLUMNS}, (SELECT count(*) FROM n)::int AS fresh
     FROM registrations WHERE node_id = $1 FOR UPDATE`,
    [input.nodeId, input.nonce, new Date(input.nowMs + input.memoryMs), new Date(input.nowMs)],
  );
  const row = result.rows[0];
  if (row === undefined) return { fresh: true, registration: undefined };
  return { fresh: row.fresh === 1, registration: toRegistration(row) };
}

/** The registration of `nodeId` without a lock (reads, CLI status). */
export async function readRegistration(
  db: Queryable,
  nodeId: string,
): Promise<Registration | undefined> {
  const result = await db.query<Row>(`SELECT ${COLUMNS} FROM registrations WHERE node_id = $1`, [
    nodeId,
  ]);
  const row = result.rows[0];
  return row === undefined ? undefined : toRegistration(row);
}

/** Extra columns written with a registration. */
export type RegistrationWrite = {
  readonly nowMs: number;
  /** Set `last_issued_at` to now (an issuance). */
  readonly issued?: boolean;
  /** Set `enrolled_at` to now (an enrollment). */
  readonly enrolled?: boolean;
  /** Set `revoked_reason` / `revoked_at` (a revocation); `null` clears them. */
  readonly revokedReason?: string | null;
};

/**
 * Inserts or overwrites the registration row with `reg` (the caller decided it under the row
 * lock, or the row is new), and stages `events` in the outbox in the same statement. Timestamps
 * as `write` says.
 */
export async function writeRegistration(
  db: Queryable,
  reg: Registration,
  write: RegistrationWrite,
  events: readonly OutboxEvent[] = [],
): Promise<void> {
  const now = new Date(write.nowMs);
  const revokedReason = write.revokedReason;
  await db.query(
    `WITH staged AS (
       INSERT INTO event_outbox (event_id, subject, body, created_at)
       SELECT e.id, e.subject, e.body, $15 FROM unnest($18::text[], $19::text[], $20::bytea[])
         AS e (id, subject, body))
     INSERT INTO registrations (${COLUMNS}, last_issued_at, revoked_reason, revoked_at,
       enrolled_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
     ON CONFLICT (node_id) DO UPDATE SET
       status = EXCLUDED.status, region = EXCLUDED.region, attestor = EXCLUDED.attestor,
       generation = EXCLUDED.generation, cred_ttl_s = EXCLUDED.cred_ttl_s,
       last_credential_id = EXCLUDED.last_credential_id,
       prev_credential_id = EXCLUDED.prev_credential_id,
       last_not_after = EXCLUDED.last_not_after, last_reply = EXCLUDED.last_reply,
       last_presented_at = EXCLUDED.last_presented_at,
       last_issued_at = COALESCE($12, registrations.last_issued_at),
       revoked_reason = CASE WHEN $16 THEN EXCLUDED.revoked_reason ELSE registrations.revoked_reason END,
       revoked_at = CASE WHEN $16 THEN EXCLUDED.revoked_at ELSE registrations.revoked_at END,
       enrolled_at = CASE WHEN $17 THEN EXCLUDED.enrolled_at ELSE registrations.enrolled_at END,
       updated_at = EXCLUDED.updated_at`,
    [
      reg.nodeId,
      reg.status,
      reg.region,
      reg.attestor,
      reg.generation,
      reg.credTtlS,
      reg.lastCredentialId,
      reg.prevCredentialId,
      reg.lastNotAfter,
      reg.lastReply,
      reg.lastPresentedAtMs === null ? null : new Date(reg.lastPresentedAtMs),
      write.issued === true ? now : null,
      revokedReason ?? null,
      revokedReason === undefined || revokedReason === null ? null : now,
      now,
      revokedReason !== undefined,
      write.enrolled === true,
      events.map((e) => e.eventId),
      events.map((e) => e.subject),
      events.map((e) => Buffer.from(e.body)),
    ],
  );
}

/**
 * The renewal fast path's read (no lock, no transaction): the registration of `nodeId` and
 * whether `(nodeId, nonce)` was used within its window. `undefined` when not registered.
 */
export async function readRenewState(
  db: Queryable,
  input: { readonly nodeId: string; readonly nonce: string; readonly nowMs: number },
): Promise<{ readonly registration: Registration; readonly nonceSeen: boolean } | undefined> {
  const result = await db.query<Row & { nonce_seen: boolean }>({
    name: 'issuer_renew_read',
    text: `SELECT ${COLUMNS}, EXISTS (SELECT 1 FROM renew_nonces
         WHERE node_id = $1 AND nonce = $2 AND expires_at > $3) AS nonce_seen
       FROM registrations WHERE node_id = $1`,
    values: [input.nodeId, input.nonce, new Date(input.nowMs)],
  });
  const row = result.rows[0];
  return row === undefined
    ? undefined
    : { registration: toRegistration(row), nonceSeen: row.nonce_seen };
}
