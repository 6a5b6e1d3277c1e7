import { validateSyncRecords, type SyncPushBody, type ValidatedRecord } from '@fedplane/core';
import type { Pool } from 'pg';
import { nulCharPaths } from '../core/nul-chars.js';
import { toVersion, winnersById, type RecordVersion } from '../core/record-version.js';

/**
 * The record versions of a push body (sync.md, Write path step 2): every memory validated (400
 * lists every issue, including strings holding U+0000, which no replica can store), reference
 * `deletions[]` ids turned into tombstones, one winner per id.
 */

/** What {@link versionsOf} reads. */
export type VersionDeps = {
  readonly pool: Pool;
  readonly nodeId: string;
  readonly nowMs: () => number;
};

/** The versions of a push (memories + deletions as tombstones), or the 400 issues. */
export async function versionsOf(
  deps: VersionDeps,
  body: SyncPushBody,
): Promise<
  | { ok: true; versions: RecordVersion[] }
  | { ok: false; issues: { path: string; message: string }[] }
> {
  const validated = validateSyncRecords(body.memories);
  if (!validated.ok) {
    return {
      ok: false,
      issues: validated.error.issues.map((issue) => ({
        path: ['memories', ...issue.path].join('.'),
        message: issue.message,
      })),
    };
  }
  const nul = [
    ...body.memories.flatMap((record, index) => nulCharPaths(record, `memories.${String(index)}`)),
    ...nulCharPaths(body.deletions ?? [], 'deletions'),
  ];
  if (nul.length > 0) {
    return {
      ok: false,
      issues: nul.map((path) => ({ path, message: 'U+0000 (NUL) cannot be stored' })),
    };
  }
  const records: ValidatedRecord[] = [...validated.records];
  records.push(...(await deletionTombstones(deps, body.deletions ?? [])));
  const versions: RecordVersion[] = [];
  for (const record of records) {
    const version = toVersion(record, deps.nodeId);
    if (version !== undefined) versions.push(version);
  }
  return { ok: true, versions: winnersById(versions) };
}

/**
 * Reference `deletions[]` (ids): a tombstone for each id the replica holds, timestamped now (or
 * 1 ms after the stored version when that is later), so it wins over every version seen so far.
 */
async function deletionTombstones(
  deps: VersionDeps,
  ids: readonly string[],
): Promise<ValidatedRecord[]> {
  if (ids.length === 0) return [];
  const rows = await deps.pool.query<{ id: string; namespace: string; ms: string }>(
    `SELECT id, namespace, round(extract(epoch FROM updated_at) * 1000)::bigint::text AS ms
     FROM sync_records WHERE node_id = $1 AND id = ANY($2::text[])`,
    [deps.nodeId, [...ids]],
  );
  const now = deps.nowMs();
  return rows.rows.map((row) => ({
    kind: 'tombstone',
    record: {
      id: row.id,
      namespace: row.namespace,
      deleted: true,
      updated_at: new Date(Math.max(now, Number(row.ms) + 1)).toISOString(),
    },
  }));
}
