import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pickPort } from './ports.js';
import type { Supervised, Supervisor } from './supervisor.js';

/**
 * Postgres for `fedplane start`: `DATABASE_URL` when set, else an embedded Postgres cluster kept
 * in `.fedplane/pg` (created on the first start, reused after) run by `postgres-runner.ts` as a
 * child process, and a database `fedplane` in it.
 */

/** The database every local service uses. */
export const PLANE_DATABASE = 'fedplane';

const RUNNER = fileURLToPath(new URL('./postgres-runner.ts', import.meta.url));

/** The Postgres the plane uses. */
export type PlanePostgres = { readonly url: string; readonly process?: Supervised };

/** What {@link launchPostgres} needs. */
export type PostgresLaunch = {
  readonly dataDir: string;
  readonly secretsDir: string;
  readonly logFile: string;
  readonly cwd: string;
  readonly previousPort?: number | undefined;
  readonly supervisor: Supervisor;
  readonly timeoutMs: number;
};

/** The local superuser password, generated once and kept in the secrets directory (0600). */
function localPassword(secretsDir: string): string {
  const path = join(secretsDir, 'postgres-password');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(path, `${password}\n`, { mode: 0o600 });
  return password;
}

/** Creates database `name` unless it exists. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

function waitForReady(proc: Supervised, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`embedded postgres not ready within ${String(timeoutMs)} ms`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      if (chunk.toString('utf8').includes('"postgres ready"')) {
        clearTimeout(timer);
        proc.child.stdout?.off('data', onData);
        resolve();
      }
    };
    proc.child.stdout?.on('data', onData);
    void proc.exited.then((exit) => {
      clearTimeout(timer);
      reject(
        new Error(
          `embedded postgres exited during start (code ${String(exit.code)}); see its log file`,
        ),
      );
    });
  });
}

/** Starts the embedded cluster (initialising it on first use) and ensures the plane database. */
export async function launchPostgres(launch: PostgresLaunch): Promise<PlanePostgres> {
  mkdirSync(launch.secretsDir, { recursive: true, mode: 0o700 });
  mkdirSync(launch.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(launch.dataDir, 0o700);
  const password = localPassword(launch.secretsDir);
  const port = await pickPort(launch.previousPort ?? 5433);
  const proc = launch.supervisor.start({
    name: 'postgres',
    command: process.execPath,
    args: ['--import', 'tsx', '--conditions=@fedplane/source', RUNNER],
    env: {
      PATH: process.env['PATH'] ?? '',
      PG_DIR: launch.dataDir,
      PG_PORT: String(port),
      PG_PASSWORD: password,
    },
    cwd: launch.cwd,
    logFile: launch.logFile,
    ipc: true,
  });
  await waitForReady(proc, launch.timeoutMs);
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${String(port)}`;
  await ensureDatabase(`${base}/postgres`, PLANE_DATABASE);
  return { url: `${base}/${PLANE_DATABASE}`, process: proc };
}
