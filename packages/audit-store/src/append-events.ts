import type { PoolClient } from 'pg';
import type { AuditHead } from './audit-head.js';
import { newAuditEventProblem, type NewAuditEvent } from './audit-event.js';
import { planAppend, type PlannedAuditRow } from './append-plan.js';
import { getHead } from './checkpoints.js';
import type { Connectable } from './queryable.js';
import { eventIdsPresent } from './read-events.js';

/**
 * Key of the transaction-level advisory lock every appender takes first (design/audit.md: the
 * second fence behind the auditor's lease). Distinct from the migration lock key.
 */
export const APPEND_LOCK_KEY = '7377446513210451201';

/** One appended row: its seq, id and entry hash. */
export type AppendedEvent = {
  readonly seq: number;
  readonly event_id: string;
  readonly entry_hash: Uint8Array;
};

/** Result of {@link appendEvents}. */
export type AppendResult = {
  /** The rows inserted, in order (seqs consecutive). */
  readonly appended: readonly AppendedEvent[];
  /** Input ids not inserted: already in the chain, or repeated earlier in the batch. */
  readonly skipped: readonly string[];
  /** The chain's head after the append (unchanged when nothing was appended). */
  readonly head: AuditHead;
};

const INSERT_SQL = `INSERT INTO audit_events
  (seq, event_id, type, actor, subject, at, body, body_hash, signature, signer, attest_level,
   prev_hash, entry_hash, stream_seq)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
  $7::bytea[], $8::bytea[], $9::bytea[], $10::text[], $11::text[], $12::bytea[], $13::bytea[],
  $14::bigint[])`;

/** The 14 column arrays of one multi-row insert, in {@link INSERT_SQL} order. */
function insertColumns(rows: readonly PlannedAuditRow[]): unknown[] {
  return [
    rows.map((r) => r.seq),
    rows.map((r) => r.event_id),
    rows.map((r) => r.type),
    rows.map((r) => r.actor),
    rows.map((r) => r.subject),
    rows.map((r) => r.at),
    rows.map((r) => r.body),
    rows.map((r) => r.body_hash),
    rows.map((r) => r.signature),
    rows.map((r) => r.signer),
    rows.map((r) => r.attest_level),
    rows.map((r) => r.prev_hash),
    rows.map((r) => r.entry_hash),
    rows.map((r) => r.stream_seq),
  ];
}

/** BEGIN and the append lock in one round trip (a constant key: no parameters needed). */
const BEGIN_LOCKED_SQL = `BEGIN; SELECT pg_advisory_xact_lock(${APPEND_LOCK_KEY}::bigint)`;

/** SQLSTATE of a unique violation: the chain moved past `head`, or an id is already stored. */
const UNIQUE_VIOLATION = '23505';

function resultOf(plan: ReturnType<typeof planAppend>): AppendResult {
  return {
    appended: plan.rows.map(({ seq, event_id, entry_hash }) => ({ seq, event_id, entry_hash })),
    skipped: plan.skipped,
    head: plan.head,
  };
}

async function appendLocked(
  client: PoolClient,
  events: readonly NewAuditEvent[],
): Promise<AppendResult> {
  const head = await getHead(client);
  const present = await eventIdsPresent(
    client,
    events.map((event) => event.event_id),
  );
  const plan = planAppend(events, present, head);
  if (plan.rows.length > 0) await client.query(INSERT_SQL, insertColumns(plan.rows));
  return resultOf(plan);
}

function isUniqueViolation(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { code?: unknown }).code === UNIQUE_VIOLATION
  );
}

/** Runs `work` in one transaction holding the append lock; all or nothing. */
async function inLockedTransaction(
  pool: Connectable,
  work: (client: PoolClient) => Promise<AppendResult>,
): Promise<AppendResult> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(BEGIN_LOCKED_SQL);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * Appends a batch to the chain in ONE transaction, in the given (stream) order (see
 * {@link AppendOptions} for the optimistic path when the caller knows the head).
 * Inside the transaction it first takes `pg_advisory_xact_lock(APPEND_LOCK_KEY)`, so concurrent
 * appenders serialise and never fork the chain; then reads the head, skips events whose id is
 * already stored or repeated in the batch (idempotent redelivery), computes `body_hash`,
 * `prev_hash` and `entry_hash` with core, and inserts the rest with one multi-row INSERT.
 * All or nothing: on any error the transaction rolls back and the error is rethrown (Postgres
 * down, constraint violated by a writer that bypassed the lock). Throws `RangeError` before
 * touching the database when an event cannot be stored (`newAuditEventProblem`).
 */
export async function appendEvents(
  pool: Connectable,
  events: readonly NewAuditEvent[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  for (const event of events) {
    const issue = newAuditEventProblem(event);
    if (issue !== null) {
      throw new RangeError(
        `audit event ${String(event.event_id)} cannot be stored: ${issue.field} ${issue.problem}`,
      );
    }
  }
  if (events.length === 0) return { appended: [], skipped: [], head: await getHead(pool) };
  const expected = options.head;
  if (expected !== undefined) {
    // Optimistic: chain from the caller's head and insert; the chain's unique seq / entry_hash /
    // event_id constraints refuse the insert if the chain moved or an id is already stored.
    const plan = planAppend(events, new Set(), expected);
    try {
      return await inLockedTransaction(pool, async (client) => {
        if (plan.rows.length > 0) await client.query(INSERT_SQL, insertColumns(plan.rows));
        return resultOf(plan);
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Rolled back: append again the careful way (head and stored ids read under the lock).
    }
  }
  return inLockedTransaction(pool, (client) => appendLocked(client, events));
}

/** Options of {@link appendEvents}. */
export type AppendOptions = {
  /**
   * The head the caller believes the chain has (the `head` of its previous append). When given,
   * the batch is first chained from it and inserted without reading the head or the stored ids
   * (3 round trips instead of 5); if the chain moved or an id is already stored, the unique
   * constraints refuse it, the transaction rolls back, and the careful path runs. Same result
   * either way.
   */
  readonly head?: AuditHead | undefined;
};
