/**
 * The statements of a service's event outbox table (`event_id, subject, body, created_at`):
 * events are inserted in the transaction of the state change they report, published right after
 * the commit, and deleted once JetStream stored them; a sweeper claims the rows whose fast path
 * failed. One implementation for every service that keeps one (issuer, approvals), each with its
 * own table.
 */

/** What the statements run on: a `pg` Pool or client (structurally; runtime does not depend on pg). */
export type OutboxQueryable = {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
};

/** One staged event: its subject and the exact body bytes that will be signed and published. */
export type OutboxEvent = {
  readonly eventId: string;
  readonly subject: string;
  readonly body: Uint8Array;
};

/** The statements on one outbox table. */
export type OutboxStatements = {
  /** Inserts staged events (one statement). */
  readonly insertOutbox: (
    db: OutboxQueryable,
    events: readonly OutboxEvent[],
    nowMs: number,
  ) => Promise<void>;
  /** Deletes published events. */
  readonly deleteOutbox: (db: OutboxQueryable, eventIds: readonly string[]) => Promise<void>;
  /**
   * Events older than `olderThanMs`, oldest first, row-locked with SKIP LOCKED so instances share
   * the work. Call inside a transaction.
   */
  readonly claimStaleOutbox: (
    db: OutboxQueryable,
    olderThanMs: number,
    limit: number,
  ) => Promise<OutboxEvent[]>;
};

const TABLE_RE = /^[a-z_][a-z0-9_]*$/;

type Row = { event_id: string; subject: string; body: Buffer };

/** The statements on `table` (a plain identifier). */
export function outboxStatements(table: string): OutboxStatements {
  if (!TABLE_RE.test(table)) throw new Error(`not a table name: ${table}`);
  return {
    insertOutbox: async (db, events, nowMs) => {
      if (events.length === 0) return;
      await db.query(
        `INSERT INTO ${table} (event_id, subject, body, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::timestamptz[])`,
        [
          events.map((e) => e.eventId),
          events.map((e) => e.subject),
          events.map((e) => Buffer.from(e.body)),
          events.map(() => new Date(nowMs)),
        ],
      );
    },
    deleteOutbox: async (db, eventIds) => {
      if (eventIds.length === 0) return;
      await db.query(`DELETE FROM ${table} WHERE event_id = ANY($1::text[])`, [[...eventIds]]);
    },
    claimStaleOutbox: async (db, olderThanMs, limit) => {
      const result = await db.query(
        `SELECT event_id, subject, body FROM ${table} WHERE created_at <= $1
         ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [new Date(olderThanMs), limit],
      );
      return (result.rows as Row[]).map((row) => ({
        eventId: row.event_id,
        subject: row.subject,
        body: new Uint8Array(row.body),
      }));
    },
  };
}
