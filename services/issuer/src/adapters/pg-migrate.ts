import { fileURLToPath } from 'node:url';
import type { Log } from '@fedplane/messaging';
import { applySqlMigrations, type MigrationPool } from '@fedplane/runtime';

/**
 * The issuer's numbered migrations (`services/issuer/migrations/`), applied with runtime
 * `applySqlMigrations`; recorded in `issuer_schema_migrations` (the audit store's table is
 * `schema_migrations`).
 */

/** Session advisory lock key of this service's migrate (distinct per service). */
export const ISSUER_MIGRATE_LOCK_KEY = '7377446513210451300';

/** The service's migration directory (from src/ or dist/). */
export const ISSUER_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Applies every migration not yet applied; returns the file names applied by this call. */
export function migrateIssuer(
  pool: MigrationPool,
  log: Log,
  directory: string = ISSUER_MIGRATIONS_DIR,
): Promise<string[]> {
  return applySqlMigrations(
    pool,
    { directory, table: 'issuer_schema_migrations', lockKey: ISSUER_MIGRATE_LOCK_KEY },
    log,
  );
}
