import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { pickPort } from './ports.js';
import type { Supervised, Supervisor } from './supervisor.js';

/**
 * NATS for `fedplane start`: `NATS_URL` when set, else `nats-server` from the PATH (or
 * `/usr/sbin/nats-server`, where Debian installs it) with JetStream storing in `.fedplane/nats`,
 * on 127.0.0.1 (port 4222 when free, else the previous start's port, else any).
 */

/** Where Debian's package installs the server. */
export const FALLBACK_NATS_BIN = '/usr/sbin/nats-server';

/** The one message when no server can be found. */
export const NATS_MISSING_MESSAGE = `fedplane start needs a NATS server: install nats-server (Debian/Ubuntu: apt-get install nats-server; macOS: brew install nats-server; or https://github.com/nats-io/nats-server/releases), or set NATS_URL to a running server with JetStream enabled.`;

function executable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The `nats-server` binary: `NATS_BIN`, then each PATH directory, then the fallback. */
export function findNatsBinary(
  env: Readonly<Record<string, string | undefined>>,
  fallback: string = FALLBACK_NATS_BIN,
): string | undefined {
  const explicit = env['NATS_BIN'];
  if (explicit !== undefined && explicit !== '') return executable(explicit) ? explicit : undefined;
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  return executable(fallback) ? fallback : undefined;
}

/** Waits until `url` accepts a connection with JetStream enabled, or `deadline` (epoch ms). */
export async function waitForJetStream(url: string, deadline: number): Promise<void> {
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const nc = await connect({ servers: url, timeout: 1_000, reconnect: false });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2_000 });
        await jsm.getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (err) {
      last = err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(
    `NATS at ${url} not ready with JetStream: ${last instanceof Error ? last.message : String(last)}`,
  );
}

/** The NATS the plane uses. */
export type PlaneNats = { readonly url: string; readonly process?: Supervised };

/** What {@link launchNats} needs. */
export type NatsLaunch = {
  readonly binary: string;
  readonly storeDir: string;
  readonly logFile: string;
  readonly cwd: string;
  readonly previousPort?: number | undefined;
  readonly supervisor: Supervisor;
  readonly timeoutMs: number;
};

/** Spawns `nats-server -js` on 127.0.0.1 and waits until JetStream answers. */
export async function launchNats(launch: NatsLaunch): Promise<PlaneNats> {
  mkdirSync(launch.storeDir, { recursive: true, mode: 0o700 });
  const port = await pickPort(launch.previousPort ?? 4222);
  const url = `nats://127.0.0.1:${String(port)}`;
  const proc = launch.supervisor.start({
    name: 'nats',
    command: launch.binary,
    args: ['-js', '-sd', launch.storeDir, '-a', '127.0.0.1', '-p', String(port), '-n', 'fedplane'],
    env: {},
    cwd: launch.cwd,
    logFile: launch.logFile,
  });
  const ready = waitForJetStream(url, Date.now() + launch.timeoutMs);
  const died = proc.exited.then((exit) => {
    throw new Error(`nats-server exited during start (code ${String(exit.code)})`);
  });
  await Promise.race([ready, died]);
  return { url, process: proc };
}
