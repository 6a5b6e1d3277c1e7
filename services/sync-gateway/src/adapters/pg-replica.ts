import type { Pool } from 'pg';
import type { KeysetPosition, ReplicaRow } from '../core/keyset.js';
import { instantText, type RecordVersion } from '../core/record-version.js';

/**
 * The node's replica in Postgres (`sync_records`, one row per `(node_id, id)`). Writes are one
 * multi-row upsert per batch (one statement = one transaction) that only replaces a row when the
 * incoming `(updated_at, content_hash)` is greater (the conflict rule, evaluated by Postgres
 * under the row lock, so concurrent writers cannot lose an update). Callers pass at most one
 * version per id (core `winnersById`).
 */

/** A version with the stream sequence it arrived at (undefined for local writes). */
export type StoredVersion = RecordVersion & { readonly streamSeq?: number | undefined };

const UPSERT = `
INSERT INTO sync_records AS r
  (node_id, id, namespace, updated_at, content_hash, origin, record, stream_seq, received_at)
SELECT $1, t.id, t.namespace, t.updated_at, t.content_hash, t.origin, t.record, t.stream_seq, now()
FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::jsonb[], $8::bigint[])
  AS t(id, namespace, updated_at, content_hash, origin, record, stream_seq)
ON CONFLICT (node_id, id) DO UPDATE SET
  namespace = EXCLUDED.namespace, updated_at = EXCLUDED.updated_at,
  content_hash = EXCLUDED.content_hash, origin = EXCLUDED.origin, record = EXCLUDED.record,
  stream_seq = EXCLUDED.stream_seq, received_at = EXCLUDED.received_at
WHERE (r.updated_at, r.content_hash) < (EXCLUDED.updated_at, EXCLUDED.content_hash)
RETURNING r.id, r.content_hash`;

/**
 * Applies versions (at most one per id) to the node's replica. Returns the keys
 * `<id>:<content_hash>` that were written (inserted or replacing an older version); the others
 * lost to (or equalled) the stored version. Rejects with the pg error when Postgres is down.
 */
export async function applyVersions(
  pool: Pool,
  nodeId: string,
  versions: readonly StoredVersion[],
): Promise<Set<string>> {
  if (versions.length === 0) return new Set();
  // Id order (binary, as the primary key compares under "C"): concurrent upserts lock their rows
  // in the same order, so they wait for each other instead of deadlocking.
  const rows = [...versions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const decoder = new TextDecoder();
  const result = await pool.query<{ id: string; content_hash: string }>(UPSERT, [
    nodeId,
    rows.map((v) => v.id),
    rows.map((v) => v.namespace),
    rows.map((v) => instantText(v.updatedAtMs)),
    rows.map((v) => v.contentHash),
    rows.map((v) => v.origin),
    rows.map((v) => decoder.decode(v.bytes)),
    rows.map((v) => (v.streamSeq === undefined ? null : String(v.streamSeq))),
  ]);
  return new Set(result.rows.map((row) => `${row.id}:${row.content_hash}`));
}

type PageRow = { id: string; namespace: string; ms: string; record: Record<string, unknown> };

const PAGE_COLUMNS = `SELECT id, namespace, round(extract(epoch FROM updated_at) * 1000)::bigint::text AS ms, record
FROM sync_records WHERE node_id = $1`;

/** Up to `limit` rows strictly after `position`, in `(updated_at, id)` order. */
export async function readPage(
  pool: Pool,
  nodeId: string,
  position: KeysetPosition,
  limit: number,
): Promise<ReplicaRow[]> {
  let result;
  if (position.kind === 'start') {
    result = await pool.query<PageRow>(`${PAGE_COLUMNS} ORDER BY updated_at, id LIMIT $2`, [
      nodeId,
      limit,
    ]);
  } else if (position.kind === 'since') {
    result = await pool.query<PageRow>(
      `${PAGE_COLUMNS} AND updated_at > $2::timestamptz ORDER BY updated_at, id LIMIT $3`,
      [nodeId, instantText(position.afterMs), limit],
    );
  } else {
    result = await pool.query<PageRow>(
      `${PAGE_COLUMNS} AND (updated_at, id) > ($2::timestamptz, $3::text COLLATE "C")
       ORDER BY updated_at, id LIMIT $4`,
      [nodeId, instantText(position.updatedAtMs), position.id, limit],
    );
  }
  return result.rows.map((row) => ({
    id: row.id,
    namespace: row.namespace,
    updatedAtMs: Number(row.ms),
    record: row.record,
  }));
}

/** A stored row's identity (for tests and the CLI): id, content hash, tombstone flag. */
export type ReplicaDigestRow = { id: string; content_hash: string; deleted: boolean };

/** Every row of the node's replica as `(id, content_hash, deleted)`, ordered by id. */
export async function replicaDigest(pool: Pool, nodeId: string): Promise<ReplicaDigestRow[]> {
  const result = await pool.query<ReplicaDigestRow>(
    `SELECT id, content_hash, coalesce((record->>'deleted')::boolean, false) AS deleted
     FROM sync_records WHERE node_id = $1 ORDER BY id`,
    [nodeId],
  );
  return result.rows;
}

/** A local write not yet acknowledged by the stream (an outbox row). */
export type UnpublishedRow = {
  readonly id: string;
  readonly content_hash: string;
  readonly record: Record<string, unknown>;
};

/**
 * The outbox: rows written through this node (`origin = node_id`) whose stream sequence is not
 * known yet (`stream_seq IS NULL`), received at least `olderThanMs` ago, oldest first.
 */
export async function readUnpublished(
  pool: Pool,
  nodeId: string,
  options: { readonly olderThanMs: number; readonly limit: number },
): Promise<UnpublishedRow[]> {
  const result = await pool.query<UnpublishedRow>(
    `SELECT id, content_hash, record FROM sync_records
     WHERE node_id = $1 AND origin = node_id AND stream_seq IS NULL
       AND received_at <= now() - ($2::bigint * interval '1 millisecond')
     ORDER BY received_at, id LIMIT $3`,
    [nodeId, String(Math.max(0, Math.floor(options.olderThanMs))), options.limit],
  );
  return result.rows;
}

/** A version the stream acknowledged, at `seq`. */
export type PublishedVersion = {
  readonly id: string;
  readonly contentHash: string;
  readonly seq: number;
};

/**
 * Takes published versions out of the outbox: sets `stream_seq` on the rows that still hold
 * exactly that version (a row replaced meanwhile is left alone). One statement.
 */
export async function markPublished(
  pool: Pool,
  nodeId: string,
  versions: readonly PublishedVersion[],
): Promise<void> {
  if (versions.length === 0) return;
  await pool.query(
    `UPDATE sync_records AS r SET stream_seq = t.seq
     FROM unnest($2::text[], $3::text[], $4::bigint[]) AS t(id, content_hash, seq)
     WHERE r.node_id = $1 AND r.id = t.id AND r.content_hash = t.content_hash
       AND r.stream_seq IS NULL`,
    [
      nodeId,
      versions.map((v) => v.id),
      versions.map((v) => v.contentHash),
      versions.map((v) => String(v.seq)),
    ],
  );
}
