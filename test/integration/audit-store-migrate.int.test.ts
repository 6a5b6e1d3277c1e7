import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AUDITOR_ROLE,
  MIGRATIONS_DIR,
  ensureAuditorRole,
  migrate,
  readMigrations,
  type Log,
} from '@fedplane/audit-store';
import {
  DEFAULT_DATABASE_URL,
  createTestDatabase,
  withPool,
  type TestDatabase,
} from '@fedplane/testkit';

const ADMIN_URL = process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
const FILES = ['0001_audit_events.sql', '0002_audit_checkpoints.sql'];

type Entry = { level: string; obj: object; msg: string };
function recordingLog(): Log & { entries: Entry[] } {
  const entries: Entry[] = [];
  const at =
    (level: string) =>
    (obj: object, msg: string): void => {
      entries.push({ level, obj, msg });
    };
  return { entries, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

const pools: pg.Pool[] = [];
const databases: TestDatabase[] = [];
const roles: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.allSettled(pools.map((p) => p.end()));
  await Promise.allSettled(databases.map((d) => d.drop()));
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  for (const role of roles) await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
  await admin.end();
  await Promise.allSettled(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

/** A pool on `url`, connecting as `user` when given (the server trusts local connections). */
function pool(url: string, user?: string): pg.Pool {
  const target = new URL(url);
  if (user !== undefined) target.username = user;
  const p = withPool(target.toString(), 2);
  pools.push(p);
  return p;
}

/** A copy of the package's migrations in a temp directory, to edit. */
async function migrationsCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fp-migrations-'));
  dirs.push(dir);
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function versions(p: pg.Pool): Promise<string[]> {
  const rows = await p.query<{ version: string }>(
    'SELECT version FROM schema_migrations ORDER BY version',
  );
  return rows.rows.map((r) => r.version);
}

describe('readMigrations', () => {
  it('lists the package files in version order with checksums', async () => {
    const files = await readMigrations();
    expect(files.map((f) => f.name)).toEqual(FILES);
    expect(files.map((f) => f.version)).toEqual(['0001', '0002']);
    for (const f of files) expect(f.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores other files and refuses two files with one version', async () => {
    const dir = await migrationsCopy();
    await writeFile(join(dir, 'README.md'), 'notes');
    await writeFile(join(dir, '3_short.sql'), 'SELECT 1');
    await writeFile(join(dir, '0003_Upper.sql'), 'SELECT 1');
    expect((await readMigrations(dir)).map((f) => f.name)).toEqual(FILES);
    await writeFile(join(dir, '0002_again.sql'), 'SELECT 1');
    await expect(readMigrations(dir)).rejects.toThrow(/two migrations share version 0002/);
  });
});

describe('migrate', () => {
  it('applies each migration once when four instances start together, then is a no-op', async () => {
    const db = await database();
    // Four pools, as four processes would have.
    const runners = Array.from({ length: 4 }, () => pool(db.url));
    const results = await Promise.all(runners.map((p) => migrate(p, { log: recordingLog() })));
    expect(results.flatMap((r) => r.applied).sort()).toEqual(FILES);
    expect(results.filter((r) => r.applied.length > 0).length).toBe(1);
    for (const r of results) expect(r.auditorRole?.kind).toBe('granted');
    const p = runners[0]!;
    expect(await versions(p)).toEqual(['0001', '0002']);
    const checksums = await p.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations ORDER BY version',
    );
    const files = await readMigrations();
    expect(checksums.rows).toEqual(files.map((f) => ({ name: f.name, checksum: f.checksum })));

    const log = recordingLog();
    const again = await migrate(p, { log });
    expect(again).toEqual({ applied: [], auditorRole: { kind: 'granted', created: false } });
    expect(log.entries.filter((e) => e.level === 'info')).toEqual([]);
    const tables = await p.query<{ t: string | null }>(
      "SELECT to_regclass(t)::text AS t FROM unnest(ARRAY['audit_events', 'audit_checkpoints']) t",
    );
    expect(tables.rows.map((r) => r.t)).toEqual(['audit_events', 'audit_checkpoints']);
  });

  it('logs each migration it applies and can leave the role alone', async () => {
    const db = await database();
    const log = recordingLog();
    const result = await migrate(pool(db.url), { log, auditorRole: false });
    expect(result).toEqual({ applied: FILES, auditorRole: null });
    expect(log.entries.map((e) => [e.level, e.msg, e.obj])).toEqual(
      FILES.map((migration) => ['info', 'migration applied', { migration }]),
    );
  });

  it('rolls a failing migration back, records nothing, and releases the lock', async () => {
    const db = await database();
    const p = pool(db.url);
    const dir = await migrationsCopy();
    await writeFile(
      join(dir, '0003_broken.sql'),
      'CREATE TABLE fp_partial (x int);\nSELECT no_such_function();\n',
    );
    await expect(migrate(p, { log: recordingLog(), directory: dir })).rejects.toThrow(
      'migration 0003_broken.sql failed',
    );
    expect(await versions(p)).toEqual(['0001', '0002']);
    const partial = await p.query<{ t: string | null }>(
      "SELECT to_regclass('fp_partial')::text AS t",
    );
    expect(partial.rows[0]!.t).toBeNull();

    await writeFile(join(dir, '0003_broken.sql'), 'CREATE TABLE fp_partial (x int);\n');
    const fixed = await migrate(p, { log: recordingLog(), directory: dir, auditorRole: false });
    expect(fixed.applied).toEqual(['0003_broken.sql']);

    // The package's own files do not know 0003: a warning, not a failure.
    const log = recordingLog();
    expect((await migrate(p, { log, auditorRole: false })).applied).toEqual([]);
    expect(log.entries).toContainEqual({
      level: 'warn',
      msg: 'database has migrations this build does not know',
      obj: { versions: ['0003'] },
    });
  });

  it('refuses to run when an applied migration file has changed', async () => {
    const db = await database();
    const p = pool(db.url);
    await migrate(p, { log: recordingLog(), auditorRole: false });
    const dir = await migrationsCopy();
    await appendFile(join(dir, '0002_audit_checkpoints.sql'), '\n-- edited\n');
    await expect(migrate(p, { log: recordingLog(), directory: dir })).rejects.toThrow(
      'migration 0002_audit_checkpoints.sql was changed after it was applied',
    );
    // The lock was released: a normal run goes through at once.
    expect((await migrate(p, { log: recordingLog(), auditorRole: false })).applied).toEqual([]);
  });
});

describe('ensureAuditorRole', () => {
  it('creates and grants as a role creator, skips (logged) otherwise, and is idempotent', async () => {
    const suffix = randomBytes(4).toString('hex');
    const owner = `fp_test_owner_${suffix}`;
    const stranger = `fp_test_stranger_${suffix}`;
    const auditor = `fp_test_auditor_${suffix}`;
    roles.push(auditor, owner, stranger);
    const db = await database();
    const admin = pool(db.url);
    await admin.query(`CREATE ROLE ${owner} LOGIN NOCREATEROLE`);
    await admin.query(`CREATE ROLE ${stranger} LOGIN NOCREATEROLE`);
    await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(db.name)} OWNER TO ${owner}`);
    const asOwner = pool(db.url, owner);
    const asStranger = pool(db.url, stranger);

    // The owner may create tables but not roles: migrations apply, the role is skipped.
    const log = recordingLog();
    const result = await migrate(asOwner, { log, auditorRole: auditor });
    expect(result).toEqual({
      applied: FILES,
      auditorRole: { kind: 'skipped', reason: 'cannot_create_roles' },
    });
    expect(log.entries).toContainEqual({
      level: 'warn',
      msg: 'auditor role skipped: may not create roles',
      obj: { role: auditor },
    });

    // A superuser creates it; again, nothing changes.
    const superLog = recordingLog();
    expect(await ensureAuditorRole(admin, { log: superLog, role: auditor })).toEqual({
      kind: 'granted',
      created: true,
    });
    expect(superLog.entries).toContainEqual({
      level: 'info',
      msg: 'auditor role created',
      obj: { role: auditor },
    });
    expect(await ensureAuditorRole(admin, { log: recordingLog(), role: auditor })).toEqual({
      kind: 'granted',
      created: false,
    });
    // The owner may grant on its tables once the role exists.
    expect(await ensureAuditorRole(asOwner, { log: recordingLog(), role: auditor })).toEqual({
      kind: 'granted',
      created: false,
    });
    const privileges = await admin.query<{ p: string; granted: boolean }>(
      `SELECT p, has_table_privilege($1, 'audit_events', p) AS granted
       FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p`,
      [auditor],
    );
    expect(privileges.rows).toEqual([
      { p: 'SELECT', granted: true },
      { p: 'INSERT', granted: true },
      { p: 'UPDATE', granted: false },
      { p: 'DELETE', granted: false },
      { p: 'TRUNCATE', granted: false },
    ]);

    // Someone who does not own the tables changes nothing.
    const strangerLog = recordingLog();
    expect(await ensureAuditorRole(asStranger, { log: strangerLog, role: auditor })).toEqual({
      kind: 'skipped',
      reason: 'not_table_owner',
    });
    expect(strangerLog.entries.map((e) => e.level)).toEqual(['warn']);
  });

  it('refuses a role name that is not a plain identifier', async () => {
    const db = await database();
    const p = pool(db.url);
    await expect(ensureAuditorRole(p, { log: recordingLog(), role: 'x"; DROP' })).rejects.toThrow(
      RangeError,
    );
    await expect(ensureAuditorRole(p, { log: recordingLog(), role: '' })).rejects.toThrow(
      RangeError,
    );
    expect(AUDITOR_ROLE).toBe('fedplane_auditor');
  });
});
