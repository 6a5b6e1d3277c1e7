import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './free-port.js';
import { findNatsServerBinary, type NatsEnv } from './nats-binary.js';
import { probeNatsInfo } from './nats-probe.js';
import {
  NatsStartError,
  spawnNatsProcess,
  terminateNatsProcess,
  waitForNatsReady,
  type NatsProcess,
} from './nats-process.js';
import { trackDir, untrackDir } from './process-registry.js';

/** A running NATS server for one suite: spawned by the testkit, or the one `NATS_URL` names. */
export interface NatsServerHandle {
  /** Client URL, e.g. `nats://127.0.0.1:41234`. */
  readonly url: string;
  /** Client port. */
  readonly port: number;
  /** JetStream store directory (`undefined` for an external server). */
  readonly storeDir: string | undefined;
  /** The `server_name` it runs with (`undefined` for an external server). */
  readonly name: string | undefined;
  /** True when this handle wraps `NATS_URL` (stop is a no-op; restart and kill reject). */
  readonly external: boolean;
  /** True while the process runs (always true for an external server). */
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after the stop timeout; removes the store dir. Idempotent. */
  stop(): Promise<void>;
  /** Stops the process (if running) and starts it again on the same port with the same store. */
  restart(): Promise<void>;
  /** Sends `signal` (default SIGKILL) and waits for the exit; keeps the store (see {@link restart}). */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Route settings that make a spawned server one member of a cluster. */
export interface NatsClusterMembership {
  /** `cluster_name` shared by every member. */
  readonly name: string;
  /** Port this member listens on for routes. */
  readonly port: number;
  /** Route URLs of every member (its own is ignored by the server). */
  readonly routes: readonly string[];
}

/** Options of {@link startNatsServer}; all optional. */
export interface NatsServerOptions {
  /** Environment to read `NATS_URL`, `NATS_BIN` and `PATH` from (default `process.env`). */
  readonly env?: NatsEnv;
  /** `server_name` (default `fp-testkit-<random>`). */
  readonly name?: string;
  /** Use `NATS_URL` when set (default true). Chaos tests pass false: they need a killable server. */
  readonly useNatsUrl?: boolean;
  /** Client port (default: a free one, retried on a port race). */
  readonly port?: number;
  /** Cluster membership; implies a spawned server. */
  readonly cluster?: NatsClusterMembership;
  /**
   * A nats-server configuration file (`-c`), e.g. the generated `deploy/nats.conf` with users
   * and permissions; implies a spawned server. Address, port, JetStream store and server name
   * still come from the command line, which overrides the file.
   */
  readonly configFile?: string;
  /** How long to wait for the server to answer (default 10 000 ms). */
  readonly readyTimeoutMs?: number;
  /** How long SIGTERM may take before SIGKILL (default 5 000 ms). */
  readonly stopTimeoutMs?: number;
}

const DEFAULT_READY_TIMEOUT_MS = 10_000;
const DEFAULT_STOP_TIMEOUT_MS = 5_000;
const PORT_ATTEMPTS = 3;

interface SpawnPlan {
  readonly binary: string;
  readonly args: readonly string[];
  readonly port: number;
  readonly name: string;
  readonly storeDir: string;
  readonly readyTimeoutMs: number;
  readonly stopTimeoutMs: number;
}

function buildArgs(
  port: number,
  name: string,
  storeDir: string,
  cluster: NatsClusterMembership | undefined,
): string[] {
  const args = [
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '-js',
    '-sd',
    storeDir,
    '--server_name',
    name,
  ];
  if (cluster !== undefined) {
    args.push(
      '--cluster',
      `nats://127.0.0.1:${cluster.port}`,
      '--routes',
      cluster.routes.join(','),
    );
    args.push('--cluster_name', cluster.name);
  }
  return args;
}

async function launch(plan: SpawnPlan): Promise<NatsProcess> {
  const proc = spawnNatsProcess(plan.binary, plan.args);
  try {
    await waitForNatsReady(proc, {
      port: plan.port,
      serverName: plan.name,
      timeoutMs: plan.readyTimeoutMs,
    });
    return proc;
  } catch (err) {
    await terminateNatsProcess(proc, 'SIGKILL', plan.stopTimeoutMs);
    throw err;
  }
}

function spawnedHandle(plan: SpawnPlan, first: NatsProcess): NatsServerHandle {
  let current = first;
  let storeRemoved = false;
  let chain: Promise<unknown> = Promise.resolve();
  const serial = (op: () => Promise<void>): Promise<void> => {
    const next = chain.then(op);
    chain = next.catch(() => undefined);
    return next;
  };
  return {
    url: `nats://127.0.0.1:${plan.port}`,
    port: plan.port,
    storeDir: plan.storeDir,
    name: plan.name,
    external: false,
    get running() {
      return current.isRunning();
    },
    stop: () =>
      serial(async () => {
        await terminateNatsProcess(current, 'SIGTERM', plan.stopTimeoutMs);
        if (storeRemoved) return;
        storeRemoved = true;
        await rm(plan.storeDir, { recursive: true, force: true });
        untrackDir(plan.storeDir);
      }),
    restart: () =>
      serial(async () => {
        await terminateNatsProcess(current, 'SIGTERM', plan.stopTimeoutMs);
        if (storeRemoved) {
          await mkdir(plan.storeDir, { recursive: true });
          trackDir(plan.storeDir);
          storeRemoved = false;
        }
        current = await launch(plan);
      }),
    kill: (signal = 'SIGKILL') =>
      serial(() => terminateNatsProcess(current, signal, plan.stopTimeoutMs)),
  };
}

async function spawnServer(binary: string, options: NatsServerOptions): Promise<NatsServerHandle> {
  const name = options.name ?? `fp-testkit-${randomBytes(4).toString('hex')}`;
  const storeDir = await mkdtemp(join(tmpdir(), 'fp-nats-'));
  trackDir(storeDir);
  const attempts = options.port === undefined ? PORT_ATTEMPTS : 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const port = options.port ?? (await findFreePort());
    const plan: SpawnPlan = {
      binary,
      args: [
        ...(options.configFile === undefined ? [] : ['-c', options.configFile]),
        ...buildArgs(port, name, storeDir, options.cluster),
      ],
      port,
      name,
      storeDir,
      readyTimeoutMs: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      stopTimeoutMs: options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
    };
    try {
      return spawnedHandle(plan, await launch(plan));
    } catch (err) {
      lastError = err;
      if (!(err instanceof NatsStartError && err.portInUse)) break;
    }
  }
  await rm(storeDir, { recursive: true, force: true });
  untrackDir(storeDir);
  throw lastError;
}

function externalOnly(what: string, natsUrl: string): Promise<void> {
  return Promise.reject(
    new Error(
      `${what}() needs a nats-server the testkit spawned; this handle uses NATS_URL=${natsUrl} (pass useNatsUrl: false)`,
    ),
  );
}

async function externalServer(natsUrl: string, timeoutMs: number): Promise<NatsServerHandle> {
  const firstEntry = (natsUrl.split(',')[0] ?? '').trim();
  const url = firstEntry.includes('://') ? firstEntry : `nats://${firstEntry}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`NATS_URL=${natsUrl} is not a valid URL; use e.g. nats://127.0.0.1:4222`);
  }
  const port = parsed.port === '' ? 4222 : Number(parsed.port);
  const info = await probeNatsInfo(parsed.hostname, port, timeoutMs);
  if (info === undefined) {
    throw new Error(
      `NATS_URL=${natsUrl} does not answer; start that server or unset NATS_URL to spawn nats-server`,
    );
  }
  if (!info.jetstream)
    throw new Error(`NATS_URL=${natsUrl} answers but has JetStream disabled; start it with -js`);
  return {
    url,
    port,
    storeDir: undefined,
    name: undefined,
    external: true,
    running: true,
    stop: () => Promise.resolve(),
    restart: () => externalOnly('restart', natsUrl),
    kill: () => externalOnly('kill', natsUrl),
  };
}

/**
 * Starts a NATS server with JetStream for one suite.
 *
 * `NATS_URL` set (and `useNatsUrl` not false, no cluster): wraps that server after checking it
 * answers with JetStream. Otherwise spawns `nats-server` (see {@link findNatsServerBinary}) on
 * 127.0.0.1, a free port and a fresh temporary store, and resolves once it answers. No binary:
 * rejects with one line saying what to install. Every spawned process is also killed when the
 * test process exits, so a failing suite leaks nothing.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const env = options.env ?? process.env;
  const natsUrl = env['NATS_URL'];
  const useUrl =
    (options.useNatsUrl ?? true) &&
    options.cluster === undefined &&
    options.configFile === undefined;
  if (useUrl && natsUrl !== undefined && natsUrl !== '') {
    return externalServer(natsUrl, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  }
  const lookup = findNatsServerBinary(env);
  if (!lookup.ok) throw new Error(lookup.message);
  return spawnServer(lookup.path, options);
}
