import type { Pool } from 'pg';

/**
 * The gateway's Postgres schema (sync.md, Records): `sync_records` with exactly the design's
 * columns (primary key `(node_id, id)`, a keyset index on `(node_id, updated_at, id)`), and
 * `sync_gateway_state` (per node: the snapshot a new gateway started from), and a partial index
over the outbox (local writes not yet acknowledged by `FED_SYNC`: `origin = node_id AND
stream_seq IS NULL`). Identifiers and hashes
 * use the "C" collation so that SQL comparisons are byte order, as the conflict rule and keyset
 * cursors require. Applied in order under an advisory lock, recorded in
 * `sync_schema_migrations`; several gateways sharing one database migrate once.
 */

const MIGRATE_LOCK_KEY = '7377446513210451302';

/** The numbered migrations, in order (never edit an applied one; append). */
export const SYNC_MIGRATIONS: readonly { readonly version: string; readonly sql: string }[] = [
  {
    version: '0001_sync_records',
    sql: `CREATE TABLE sync_records (
  node_id      TEXT COLLATE "C" NOT NULL,
  id           TEXT COLLATE "C" NOT NULL,
  namespace    TEXT COLLATE "C" NOT NULL,
  updated_at   TIMESTAMPTZ      NOT NULL,
  content_hash TEXT COLLATE "C" NOT NULL,
  origin       TEXT COLLATE "C" NOT NULL,
  record       JSONB            NOT NULL,
  stream_seq   BIGINT,
  received_at  TIMESTAMPTZ      NOT NULL DEFAULT now(),
  PRIMARY KEY (node_id, id)
);
CREATE INDEX sync_records_keyset ON sync_records (node_id, updated_at, id);`,
  },
  {
    version: '0002_sync_gateway_state',
    sql: `CREATE TABLE sync_gateway_state (
  node_id       TEXT COLLATE "C" PRIMARY KEY,
  snapshot_peer TEXT,
  snapshot_seq  BIGINT,
  snapshot_at   TIMESTAMPTZ
);`,
  },
  {
    version: '0003_sync_records_outbox',
    sql: `CREATE INDEX sync_records_outbox ON sync_records (node_id, received_at)
  WHERE stream_seq IS NULL AND origin = node_id;`,
  },
];

/** Applies the missing migrations; returns the versions applied by this call. */
export async function migrateSync(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS sync_schema_migrations (
         version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const done = await client.query<{ version: string }>(
      'SELECT version FROM sync_schema_migrations',
    );
    const applied = new Set(done.rows.map((row) => row.version));
    const ran: string[] = [];
    for (const migration of SYNC_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO sync_schema_migrations (version) VALUES ($1)', [
          migration.version,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
      ran.push(migration.version);
    }
    return ran;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATE_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
