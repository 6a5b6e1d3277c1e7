import { randomBytes } from 'node:crypto';
import { Client, Pool, escapeIdentifier } from 'pg';

/** Environment the Postgres helpers read (injectable so tests need not mutate `process.env`). */
export type PostgresEnv = Readonly<Record<string, string | undefined>>;

/** Used when neither `options.url` nor `DATABASE_URL` is given. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database for one suite. */
export interface TestDatabase {
  /** Connection URL of the new database (same server, user and options as the admin URL). */
  readonly url: string;
  /** Its name, `fp_test_<random hex>`. */
  readonly name: string;
  /** Drops it, terminating any connections still open. Idempotent. */
  drop(): Promise<void>;
}

/** Options of {@link createTestDatabase}; all optional. */
export interface TestDatabaseOptions {
  /** Admin URL (a role allowed to CREATE DATABASE); overrides `DATABASE_URL`. */
  readonly url?: string;
  /** Environment to read `DATABASE_URL` from (default `process.env`). */
  readonly env?: PostgresEnv;
  /** Name prefix (default `fp_test`); lower-case letters, digits and `_`. */
  readonly prefix?: string;
}

const CONNECT_TIMEOUT_MS = 5_000;
const SQLSTATE = /^[0-9A-Z]{5}$/;

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparsable DATABASE_URL>';
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error && err.message !== '' ? err.message : String(err);
}

/** One line for a failed admin connection: unreachable server vs. a server that said no. */
function connectFailure(adminUrl: string, err: unknown): Error {
  const code = errorCode(err);
  const where = redact(adminUrl);
  if (code !== undefined && SQLSTATE.test(code)) {
    return new Error(
      `Postgres at ${where} refused the connection (${code}: ${errorText(err)}); set DATABASE_URL to a role that may CREATE DATABASE`,
    );
  }
  return new Error(
    `Postgres not reachable at ${where} (${code ?? errorText(err)}); start it (service postgresql start) or install it (apt-get install postgresql), or set DATABASE_URL`,
  );
}

async function withAdmin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    connectionString: adminUrl,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw connectFailure(adminUrl, err);
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropDatabase(client: Client, name: string): Promise<void> {
  const version = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  const quoted = escapeIdentifier(name);
  if (Number(version.rows[0]?.server_version_num ?? 0) >= 130_000) {
    await client.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
    return;
  }
  await client.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [name],
  );
  await client.query(`DROP DATABASE IF EXISTS ${quoted}`);
}

/**
 * Creates a fresh, uniquely named database on the server `options.url` / `DATABASE_URL` names
 * (default {@link DEFAULT_DATABASE_URL}) and returns its URL and a `drop()`.
 * An unreachable server rejects with one line saying how to start or install Postgres.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const env = options.env ?? process.env;
  const envUrl = env['DATABASE_URL'];
  const adminUrl =
    options.url ?? (envUrl !== undefined && envUrl !== '' ? envUrl : DEFAULT_DATABASE_URL);
  const prefix = options.prefix ?? 'fp_test';
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix))
    throw new RangeError(`invalid database name prefix: ${prefix}`);
  let parsed: URL;
  try {
    parsed = new URL(adminUrl);
  } catch {
    throw new Error(`DATABASE_URL is not a valid URL; use e.g. ${DEFAULT_DATABASE_URL}`);
  }
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${escapeIdentifier(name)}`));
  parsed.pathname = `/${name}`;
  let dropped = false;
  return {
    url: parsed.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      await withAdmin(adminUrl, (client) => dropDatabase(client, name));
      dropped = true;
    },
  };
}

/**
 * Opens a `pg` Pool on `url` (e.g. a {@link TestDatabase} URL); the caller ends it. An idle
 * client's error (the server terminating it: a Postgres restart in a chaos test, or `drop()`
 * forcing the database closed while a client is still ending) is not a test failure: the pool
 * discards that client, and a query that needed it fails on its own.
 */
export function withPool(url: string, max = 5): Pool {
  const pool = new Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  pool.on('error', () => undefined);
  return pool;
}
