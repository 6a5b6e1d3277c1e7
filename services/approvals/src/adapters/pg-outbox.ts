import type { Queryable } from './pg-transaction.js';

/**
 * Statements on `approvals_outbox`: events are inserted in the transaction of the state change they
 * report and deleted once JetStream stored them, so no decision goes unreported.
 */

/** One staged event: its subject and the exact body bytes that will be signed and published. */
export type OutboxEvent = {
  readonly eventId: string;
  readonly subject: string;
  readonly body: Uint8Array;
};

/** Inserts staged events (one statement). */
export async function insertOutbox(
  db: Queryable,
  events: readonly OutboxEvent[],
  nowMs: number,
): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `INSERT INTO approvals_outbox (event_id, subject, body, created_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::timestamptz[])`,
    [
      events.map((e) => e.eventId),
      events.map((e) => e.subject),
      events.map((e) => Buffer.from(e.body)),
      events.map(() => new Date(nowMs)),
    ],
  );
}

/** Deletes published events. */
export async function deleteOutbox(db: Queryable, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await db.query('DELETE FROM approvals_outbox WHERE event_id = ANY($1::text[])', [[...eventIds]]);
}

type Row = { event_id: string; subject: string; body: Buffer };

/**
 * Events older than `olderThanMs` (their fast-path publish failed or the instance died), oldest
 * first, row-locked with SKIP LOCKED so instances share the work. Call inside a transaction.
 */
export async function claimStaleOutbox(
  db: Queryable,
  olderThanMs: number,
  limit: number,
): Promise<OutboxEvent[]> {
  const result = await db.query<Row>(
    `SELECT event_id, subject, body FROM approvals_outbox WHERE created_at <= $1
     ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [new Date(olderThanMs), limit],
  );
  return result.rows.map((row) => ({
    eventId: row.event_id,
    subject: row.subject,
    body: new Uint8Array(row.body),
  }));
}
