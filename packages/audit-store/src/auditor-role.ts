import { escapeIdentifier } from 'pg';
import type { Log } from './log.js';
import type { Queryable } from './queryable.js';

/**
 * The auditor's group role (design/audit.md: INSERT and SELECT only). It is created NOLOGIN;
 * an operator grants it to the login the auditor connects as (`GRANT fedplane_auditor TO
 * auditor_login`). The tables live in the migrating user's schema, which the login needs
 * USAGE on (the default for `public`).
 */
export const AUDITOR_ROLE = 'fedplane_auditor';

/** Role names {@link ensureAuditorRole} accepts: a plain lower-case SQL identifier. */
const ROLE_NAME_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/** Options of {@link ensureAuditorRole}. */
export type AuditorRoleOptions = {
  readonly log: Log;
  /** The role to create and grant (default {@link AUDITOR_ROLE}); `[a-z_][a-z0-9_]*`. */
  readonly role?: string;
};

/** What {@link ensureAuditorRole} did. */
export type AuditorRoleOutcome =
  | { readonly kind: 'granted'; readonly created: boolean }
  | { readonly kind: 'skipped'; readonly reason: 'cannot_create_roles' | 'not_table_owner' };

type RoleFacts = { may_create: boolean; role_exists: boolean; owns_tables: boolean | null };

const FACTS_SQL = `SELECT
  (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) AS may_create,
  EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS role_exists,
  (SELECT bool_and(pg_has_role(current_user, c.relowner, 'USAGE')) FROM pg_class c
    WHERE c.oid IN (to_regclass('audit_events'), to_regclass('audit_checkpoints'))) AS owns_tables`;

// Role names cannot be bound as parameters: the name is checked against ROLE_NAME_RE and quoted.
// A concurrent creator (another database on the same server) is not an error.
function createSql(role: string): string {
  return `DO $$ BEGIN
  CREATE ROLE ${escapeIdentifier(role)} NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$`;
}

// One simple-query string runs as one implicit transaction: the role never holds more than
// SELECT and INSERT, even for a moment, and re-running it changes nothing.
function grantSql(role: string): string {
  const name = escapeIdentifier(role);
  return `REVOKE ALL ON audit_events, audit_checkpoints, schema_migrations FROM ${name};
GRANT SELECT, INSERT ON audit_events, audit_checkpoints TO ${name};
GRANT SELECT ON schema_migrations TO ${name}`;
}

function isPermissionDenied(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === '42501';
}

/**
 * Creates the auditor role (default {@link AUDITOR_ROLE}) when missing and leaves it with
 * exactly SELECT + INSERT on `audit_events` and `audit_checkpoints` (+ SELECT on
 * `schema_migrations`, so an auditor may run `migrate` as a check). Idempotent. Skips with a warning, not an error, when the
 * connecting user may not create roles (and the role is missing) or does not own the tables.
 * Run after the migrations (`migrate` does, under its lock). Throws `RangeError` for a role
 * name outside `[a-z_][a-z0-9_]*` (at most 63 characters).
 */
export async function ensureAuditorRole(
  db: Queryable,
  options: AuditorRoleOptions,
): Promise<AuditorRoleOutcome> {
  const { log } = options;
  const role = options.role ?? AUDITOR_ROLE;
  if (!ROLE_NAME_RE.test(role)) throw new RangeError(`invalid auditor role name: ${role}`);
  const facts = (await db.query<RoleFacts>(FACTS_SQL, [role])).rows[0];
  if (facts?.owns_tables !== true) {
    log.warn({ role }, 'auditor role skipped: not the audit tables owner');
    return { kind: 'skipped', reason: 'not_table_owner' };
  }
  let created = false;
  if (!facts.role_exists) {
    if (!facts.may_create) {
      log.warn({ role }, 'auditor role skipped: may not create roles');
      return { kind: 'skipped', reason: 'cannot_create_roles' };
    }
    try {
      await db.query(createSql(role));
    } catch (err) {
      if (!isPermissionDenied(err)) throw err;
      log.warn({ role, err }, 'auditor role skipped: may not create roles');
      return { kind: 'skipped', reason: 'cannot_create_roles' };
    }
    created = true;
    log.info({ role }, 'auditor role created');
  }
  await db.query(grantSql(role));
  log.debug({ role }, 'auditor role granted select and insert');
  return { kind: 'granted', created };
}
