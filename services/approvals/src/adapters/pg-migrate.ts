import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Log } from '@fedplane/messaging';
import type { Connectable } from './pg-transaction.js';

/**
 * The approvals service's numbered migrations (`services/approvals/migrations/NNNN_name.sql`), applied in order
 * under a session advisory lock so instances starting together are safe. Applied versions are
 * recorded in `approvals_schema_migrations` with a checksum (the service may share a database with
 * the issuer and the audit store, which keep their own tables).
 */

/** Session advisory lock key of the approvals migrate (distinct from the issuer's and the audit store's). */
export const APPROVALS_MIGRATE_LOCK_KEY = '7377446513210451301';

/** The service's migration directory (from src/ or dist/). */
export const APPROVALS_MIGRATIONS_DIR = fileURLToPath(
  new URL('../../migrations/', import.meta.url),
);

const FILE_RE = /^(\d{4})_[a-z0-9_]+\.sql$/;

type MigrationFile = { version: string; name: string; sql: string; checksum: string };

async function readMigrations(directory: string): Promise<MigrationFile[]> {
  const names = (await readdir(directory)).filter((n) => FILE_RE.test(n)).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const sql = await readFile(join(directory, name), 'utf8');
    const version = name.slice(0, 4);
    if (files.some((f) => f.version === version)) {
      throw new Error(`two migrations share version ${version} in ${directory}`);
    }
    files.push({ version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files;
}

/**
 * Applies every migration not yet applied, each in its own transaction. Returns the file names
 * applied by this call. Throws when a migration fails (rolled back) or an applied file changed.
 */
export async function migrateApprovals(
  pool: Connectable,
  log: Log,
  directory: string = APPROVALS_MIGRATIONS_DIR,
): Promise<string[]> {
  const files = await readMigrations(directory);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [APPROVALS_MIGRATE_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS approvals_schema_migrations (
      version TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const rows = await client.query<{ version: string; checksum: string }>(
      'SELECT version, checksum FROM approvals_schema_migrations',
    );
    const done = new Map(rows.rows.map((r) => [r.version, r.checksum]));
    for (const file of files) {
      const checksum = done.get(file.version);
      if (checksum !== undefined) {
        if (checksum !== file.checksum) {
          throw new Error(`migration ${file.name} was changed after it was applied`);
        }
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(file.sql);
        await client.query(
          'INSERT INTO approvals_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
          [file.version, file.name, file.checksum],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${file.name} failed`, { cause: err });
      }
      log.info({ migration: file.name }, 'migration applied');
      applied.push(file.name);
    }
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [APPROVALS_MIGRATE_LOCK_KEY]);
  } catch (err) {
    client.release(true);
    throw err;
  }
  client.release();
  return applied;
}
