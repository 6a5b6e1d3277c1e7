import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PoolClient } from 'pg';
import { ensureAuditorRole, type AuditorRoleOutcome } from './auditor-role.js';
import type { Log } from './log.js';
import type { Connectable } from './queryable.js';

/** Key of the session-level advisory lock `migrate` holds (distinct from the append lock). */
export const MIGRATE_LOCK_KEY = '7377446513210451202';

/** The package's own migrations: `packages/audit-store/migrations/` (from src/ or dist/). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

/** Migration file names: `NNNN_snake_name.sql`. */
const FILE_RE = /^(\d{4})_[a-z0-9_]+\.sql$/;

/** One migration file. */
export type MigrationFile = {
  readonly version: string;
  readonly name: string;
  readonly sql: string;
  /** Hex SHA-256 of the file: an applied migration must not change. */
  readonly checksum: string;
};

/** Options of {@link migrate}. */
export type MigrateOptions = {
  readonly log: Log;
  /** Where the numbered files are (default {@link MIGRATIONS_DIR}). */
  readonly directory?: string;
  /**
   * The auditor role to create/grant afterwards (default `fedplane_auditor`; see
   * `ensureAuditorRole`), or false for none.
   */
  readonly auditorRole?: string | false;
};

/** What {@link migrate} did. */
export type MigrateResult = {
  /** File names applied by this call, in order (empty when the schema was current). */
  readonly applied: readonly string[];
  /** The auditor role outcome, or null when not asked for. */
  readonly auditorRole: AuditorRoleOutcome | null;
};

/**
 * Lists the numbered `.sql` files of `directory` in version order (other files are ignored).
 * Throws when two files share a version number.
 */
export async function readMigrations(directory: string = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(directory)).filter((name) => FILE_RE.test(name)).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const sql = await readFile(join(directory, name), 'utf8');
    const version = name.slice(0, 4);
    if (files.some((file) => file.version === version)) {
      throw new Error(`two migrations share version ${version} in ${directory}`);
    }
    files.push({ version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files;
}

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE schema_migrations (
  version    TEXT        PRIMARY KEY,
  name       TEXT        NOT NULL,
  checksum   TEXT        NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`;

async function appliedChecksums(client: PoolClient): Promise<Map<string, string>> {
  const exists = await client.query<{ found: string | null }>(
    "SELECT to_regclass('schema_migrations')::text AS found",
  );
  if (exists.rows[0]?.found === null) await client.query(CREATE_MIGRATIONS_TABLE);
  const rows = await client.query<{ version: string; checksum: string }>(
    'SELECT version, checksum FROM schema_migrations',
  );
  return new Map(rows.rows.map((row) => [row.version, row.checksum]));
}

async function applyOne(client: PoolClient, file: MigrationFile): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(file.sql);
    await client.query(
      'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
      [file.version, file.name, file.checksum],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new Error(`migration ${file.name} failed`, { cause: err });
  }
}

async function migrateLocked(client: PoolClient, options: MigrateOptions): Promise<MigrateResult> {
  const { log } = options;
  const files = await readMigrations(options.directory);
  const applied = await appliedChecksums(client);
  const known = new Set(files.map((file) => file.version));
  const unknown = [...applied.keys()].filter((version) => !known.has(version));
  if (unknown.length > 0) {
    log.warn({ versions: unknown }, 'database has migrations this build does not know');
  }
  const done: string[] = [];
  for (const file of files) {
    const checksum = applied.get(file.version);
    if (checksum !== undefined) {
      if (checksum !== file.checksum) {
        throw new Error(`migration ${file.name} was changed after it was applied`);
      }
      continue;
    }
    await applyOne(client, file);
    log.info({ migration: file.name }, 'migration applied');
    done.push(file.name);
  }
  const role = options.auditorRole;
  const auditorRole =
    role === false
      ? null
      : await ensureAuditorRole(client, { log, ...(role === undefined ? {} : { role }) });
  return { applied: done, auditorRole };
}

/**
 * Applies the numbered migrations not yet applied, in order, each in its own transaction and
 * recorded in `schema_migrations` (version, name, checksum), then ensures the auditor role.
 * The whole run holds `pg_advisory_lock(MIGRATE_LOCK_KEY)` on one connection, so services
 * starting together are safe: the first applies, the others wait and find nothing to do.
 * Throws (after rolling the failing migration back) when a migration fails, and when an applied
 * migration's file has changed since; the lock is released either way (the failed session is
 * closed).
 */
export async function migrate(pool: Connectable, options: MigrateOptions): Promise<MigrateResult> {
  const client = await pool.connect();
  let result: MigrateResult;
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATE_LOCK_KEY]);
    result = await migrateLocked(client, options);
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATE_LOCK_KEY]);
  } catch (err) {
    // Discard the session: closing it releases the lock and whatever state the failure left.
    client.release(true);
    throw err;
  }
  client.release();
  return result;
}
