import { bigintColumn, nullableBigintColumn, type Queryable } from './queryable.js';

/** A stored `audit_events` row, as `fedplane audit tail` and the auditor's endpoints read it. */
export type StoredAuditEvent = {
  readonly seq: number;
  readonly event_id: string;
  readonly type: string;
  readonly actor: string;
  readonly subject: string | null;
  readonly at: string;
  readonly body: Uint8Array;
  readonly body_hash: Uint8Array;
  readonly signature: Uint8Array | null;
  readonly signer: string | null;
  /** One of core's `AttestLevel`s (the table's CHECK), typed as stored. */
  readonly attest_level: string;
  readonly prev_hash: Uint8Array;
  readonly entry_hash: Uint8Array;
  readonly stream_seq: number | null;
  /** When the row was inserted: RFC 3339 UTC with microseconds. */
  readonly recorded_at: string;
};

/** Which rows {@link readEvents} returns. */
export type ReadEventsQuery = {
  /** Rows with `seq > afterSeq` (0 = from the start). */
  readonly afterSeq: number;
  /** At most this many rows, 1..{@link READ_EVENTS_MAX_LIMIT}. */
  readonly limit: number;
  /** Only rows of this event type. */
  readonly type?: string;
  /** Only rows of this actor. */
  readonly actor?: string;
};

/** Largest `limit` {@link readEvents} accepts. */
export const READ_EVENTS_MAX_LIMIT = 10_000;

type EventDbRow = {
  seq: string;
  event_id: string;
  type: string;
  actor: string;
  subject: string | null;
  at: string;
  body: Buffer;
  body_hash: Buffer;
  signature: Buffer | null;
  signer: string | null;
  attest_level: string;
  prev_hash: Buffer;
  entry_hash: Buffer;
  stream_seq: string | null;
  recorded_at: string;
};

const SELECT = `SELECT seq, event_id, type, actor, subject, at, body, body_hash, signature, signer,
  attest_level, prev_hash, entry_hash, stream_seq,
  to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at
FROM audit_events`;
const ORDER = 'ORDER BY seq LIMIT $2';

/** One fixed statement per filter combination, so each can use its index. */
const READ_SQL = {
  all: `${SELECT} WHERE seq > $1 ${ORDER}`,
  type: `${SELECT} WHERE type = $3 AND seq > $1 ${ORDER}`,
  actor: `${SELECT} WHERE actor = $3 AND seq > $1 ${ORDER}`,
  both: `${SELECT} WHERE type = $3 AND actor = $4 AND seq > $1 ${ORDER}`,
} as const;

/** Maps one selected row to a {@link StoredAuditEvent}. */
export function toStoredAuditEvent(row: EventDbRow): StoredAuditEvent {
  return {
    seq: bigintColumn(row.seq),
    event_id: row.event_id,
    type: row.type,
    actor: row.actor,
    subject: row.subject,
    at: row.at,
    body: row.body,
    body_hash: row.body_hash,
    signature: row.signature,
    signer: row.signer,
    attest_level: row.attest_level,
    prev_hash: row.prev_hash,
    entry_hash: row.entry_hash,
    stream_seq: nullableBigintColumn(row.stream_seq),
    recorded_at: row.recorded_at,
  };
}

/**
 * Reads stored events in seq order after `afterSeq`, optionally of one type and/or actor (for
 * `fedplane audit tail` and the auditor's read endpoints; page by passing the last seq back).
 * Throws `RangeError` for an `afterSeq` that is not a non-negative safe integer or a `limit`
 * outside 1..{@link READ_EVENTS_MAX_LIMIT} (callers validate requests first).
 */
export async function readEvents(
  db: Queryable,
  query: ReadEventsQuery,
): Promise<StoredAuditEvent[]> {
  const { afterSeq, limit, type, actor } = query;
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
    throw new RangeError('afterSeq must be a non-negative integer');
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > READ_EVENTS_MAX_LIMIT) {
    throw new RangeError(`limit must be an integer in 1..${READ_EVENTS_MAX_LIMIT}`);
  }
  const values: unknown[] = [afterSeq, limit];
  let sql: string = READ_SQL.all;
  if (type !== undefined && actor !== undefined) {
    sql = READ_SQL.both;
    values.push(type, actor);
  } else if (type !== undefined) {
    sql = READ_SQL.type;
    values.push(type);
  } else if (actor !== undefined) {
    sql = READ_SQL.actor;
    values.push(actor);
  }
  const result = await db.query<EventDbRow>(sql, values);
  return result.rows.map(toStoredAuditEvent);
}

/**
 * The subset of `ids` already in the chain (for idempotent redelivery: an id present is acked
 * and skipped). Duplicates in `ids` are fine; an empty list runs no query.
 */
export async function eventIdsPresent(
  db: Queryable,
  ids: readonly string[],
): Promise<ReadonlySet<string>> {
  if (ids.length === 0) return new Set();
  const result = await db.query<{ event_id: string }>(
    'SELECT event_id FROM audit_events WHERE event_id = ANY($1::text[])',
    [[...new Set(ids)]],
  );
  return new Set(result.rows.map((row) => row.event_id));
}
