import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Log } from '@fedplane/messaging';

/**
 * A service's numbered SQL migrations (`migrations/NNNN_name.sql`), applied in order under a
 * session advisory lock so instances starting together are safe, each in its own transaction.
 * Applied versions are recorded in the service's own table with a checksum, so services can share
 * one database (each with its own table and lock key) and an edited applied file is refused.
 */

/** The client calls a migration needs (a `pg` PoolClient satisfies it). */
export type MigrationClient = {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  release(destroy?: boolean): void;
};

/** A pool that lends a client (a `pg` Pool satisfies it). */
export type MigrationPool = { connect(): Promise<MigrationClient> };

/** Where a service's migrations are and how they are recorded. */
export type SqlMigrationSet = {
  /** Directory of `NNNN_name.sql` files. */
  readonly directory: string;
  /** Table that records applied versions (a plain identifier, e.g. `issuer_schema_migrations`). */
  readonly table: string;
  /** Session advisory lock key (a bigint as text), distinct per service. */
  readonly lockKey: string;
};

const FILE_RE = /^(\d{4})_[a-z0-9_]+\.sql$/;
const TABLE_RE = /^[a-z_][a-z0-9_]*$/;

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

async function applyPending(
  client: MigrationClient,
  set: SqlMigrationSet,
  files: readonly MigrationFile[],
  log: Log,
): Promise<string[]> {
  await client.query(`CREATE TABLE IF NOT EXISTS ${set.table} (
    version TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  const rows = (await client.query(`SELECT version, checksum FROM ${set.table}`)).rows as {
    version: string;
    checksum: string;
  }[];
  const done = new Map(rows.map((r) => [r.version, r.checksum]));
  const applied: string[] = [];
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
      await client.query(`INSERT INTO ${set.table} (version, name, checksum) VALUES ($1, $2, $3)`, [
        file.version,
        file.name,
        file.checksum,
      ]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new Error(`migration ${file.name} failed`, { cause: err });
    }
    log.info({ migration: file.name }, 'migration applied');
    applied.push(file.name);
  }
  return applied;
}

/**
 * Applies every migration of `set` not yet applied; returns the file names this call applied.
 * Throws when a migration fails (rolled back) or an applied file changed.
 */
export async function applySqlMigrations(
  pool: MigrationPool,
  set: SqlMigrationSet,
  log: Log,
): Promise<string[]> {
  if (!TABLE_RE.test(set.table)) throw new Error(`not a table name: ${set.table}`);
  const files = await readMigrations(set.directory);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [set.lockKey]);
    const applied = await applyPending(client, set, files, log);
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [set.lockKey]);
    client.release();
    return applied;
  } catch (err) {
    client.release(true);
    throw err;
  }
}
