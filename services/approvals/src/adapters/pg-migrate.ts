import { fileURLToPath } from 'node:url';
import type { Log } from '@fedplane/messaging';
import { applySqlMigrations, type MigrationPool } from '@fedplane/runtime';

/**
 * The approvals service's numbered migrations (`services/approvals/migrations/`), applied with
 * runtime `applySqlMigrations`; recorded in `approvals_schema_migrations`.
 */

/** Session advisory lock key of this service's migrate (distinct per service). */
export const APPROVALS_MIGRATE_LOCK_KEY = '7377446513210451301';

/** The service's migration directory (from src/ or dist/). */
export const APPROVALS_MIGRATIONS_DIR = fileURLToPath(
  new URL('../../migrations/', import.meta.url),
);

/** Applies every migration not yet applied; returns the file names applied by this call. */
export function migrateApprovals(
  pool: MigrationPool,
  log: Log,
  directory: string = APPROVALS_MIGRATIONS_DIR,
): Promise<string[]> {
  return applySqlMigrations(
    pool,
    { directory, table: 'approvals_schema_migrations', lockKey: APPROVALS_MIGRATE_LOCK_KEY },
    log,
  );
}
