import {
  bytesEqual,
  fromHex,
  parseCheckpoint,
  toHex,
  type CheckpointProblem,
  type SignedCheckpoint,
} from '@fedplane/core';
import { EMPTY_AUDIT_HEAD, auditHeadOf, type AuditHead } from './audit-head.js';
import { bigintColumn, type Queryable } from './queryable.js';

/** A signed checkpoint to keep: the exact bytes, their `ed25519=` header, and who signed. */
export type CheckpointRecord = SignedCheckpoint & {
  /** The auditor's `v1=` credential (or another name for the key that signed). */
  readonly signer: string;
};

/** A stored `audit_checkpoints` row. */
export type StoredCheckpoint = {
  readonly size: number;
  /** Lower-case hex of the entry hash at `size`. */
  readonly head: string;
  readonly at: string;
  /** The exact signed bytes. */
  readonly bytes: Uint8Array;
  readonly sig: string;
  readonly signer: string;
  /** When the row was inserted: RFC 3339 UTC with microseconds. */
  readonly recorded_at: string;
};

/** Result of {@link recordCheckpoint}. */
export type RecordCheckpointResult =
  | { readonly ok: true; readonly inserted: boolean }
  | {
      readonly ok: false;
      readonly error:
        | { readonly tag: 'checkpoint_malformed'; readonly problem: CheckpointProblem }
        /** A checkpoint of the same size with a different head is stored: the log forked. */
        | { readonly tag: 'checkpoint_conflict'; readonly size: number; readonly head: string };
    };

type CheckpointDbRow = {
  size: string;
  head: Buffer;
  at: string;
  body: Buffer;
  sig: string;
  signer: string;
  recorded_at: string;
};

const SELECT = `SELECT size, head, at, body, sig, signer,
  to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at
FROM audit_checkpoints`;

function toStoredCheckpoint(row: CheckpointDbRow): StoredCheckpoint {
  return {
    size: bigintColumn(row.size),
    head: toHex(row.head),
    at: row.at,
    bytes: row.body,
    sig: row.sig,
    signer: row.signer,
    recorded_at: row.recorded_at,
  };
}

/**
 * Keeps a signed checkpoint in `audit_checkpoints` (the signature is not checked here: the
 * auditor made it). Its `size`, `head` and `at` are parsed from the bytes (core
 * `parseCheckpoint`). Output: `inserted: true`, or `inserted: false` when a checkpoint of that
 * size with the same head is already kept (the first one stays); `checkpoint_malformed` for
 * bytes that do not parse; `checkpoint_conflict` when the kept checkpoint of that size has a
 * different head.
 */
export async function recordCheckpoint(
  db: Queryable,
  record: CheckpointRecord,
): Promise<RecordCheckpointResult> {
  const parsed = parseCheckpoint(record.bytes);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  const { size, head, at } = parsed.checkpoint;
  const headBytes = fromHex(head);
  if (headBytes === undefined) {
    return { ok: false, error: { tag: 'checkpoint_malformed', problem: 'bad_head' } };
  }
  const inserted = await db.query<{ head: Buffer }>(
    `INSERT INTO audit_checkpoints (size, head, at, body, sig, signer)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (size) DO NOTHING
     RETURNING head`,
    [size, headBytes, at, record.bytes, record.sig, record.signer],
  );
  if (inserted.rowCount === 1) return { ok: true, inserted: true };
  const kept = await checkpointAt(db, size);
  if (kept !== null && bytesEqual(fromHex(kept.head) ?? new Uint8Array(), headBytes)) {
    return { ok: true, inserted: false };
  }
  return {
    ok: false,
    error: { tag: 'checkpoint_conflict', size, head: kept?.head ?? '' },
  };
}

/** The kept checkpoint with the largest size, or null when none is kept. */
export async function latestCheckpoint(db: Queryable): Promise<StoredCheckpoint | null> {
  const result = await db.query<CheckpointDbRow>(`${SELECT} ORDER BY size DESC LIMIT 1`);
  const row = result.rows[0];
  return row === undefined ? null : toStoredCheckpoint(row);
}

/** The kept checkpoint of exactly `size`, or null. */
export async function checkpointAt(db: Queryable, size: number): Promise<StoredCheckpoint | null> {
  const result = await db.query<CheckpointDbRow>(`${SELECT} WHERE size = $1`, [size]);
  const row = result.rows[0];
  return row === undefined ? null : toStoredCheckpoint(row);
}

/**
 * The chain's current head: the last row's seq and hex entry hash, or `{size: 0, head: 64
 * zeros}` for an empty chain. Read inside the append lock, it is where the next row links.
 */
export async function getHead(db: Queryable): Promise<AuditHead> {
  const result = await db.query<{ seq: string; entry_hash: Buffer }>(
    'SELECT seq, entry_hash FROM audit_events ORDER BY seq DESC LIMIT 1',
  );
  const row = result.rows[0];
  return row === undefined ? EMPTY_AUDIT_HEAD : auditHeadOf(bigintColumn(row.seq), row.entry_hash);
}
