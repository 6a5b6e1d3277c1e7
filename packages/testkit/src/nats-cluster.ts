import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { findFreePorts } from './free-port.js';
import type { NatsEnv } from './nats-binary.js';
import { connectNats } from './nats-client.js';
import { NatsStartError } from './nats-process.js';
import { startNatsServer, type NatsServerHandle } from './nats-server.js';

/** A running NATS cluster whose JetStream has elected a meta leader. */
export interface NatsClusterHandle {
  /** `cluster_name` of every member. */
  readonly name: string;
  /** Client URLs of every member, in member order (pass all of them to clients). */
  readonly urls: readonly string[];
  /** Each member, stoppable, killable and restartable on its own (same ports and store). */
  readonly servers: readonly NatsServerHandle[];
  /** Stops every member and removes their stores. */
  stop(): Promise<void>;
}

/** Options of {@link startNatsCluster}; all optional. */
export interface NatsClusterOptions {
  /** Environment to read `NATS_BIN` and `PATH` from (default `process.env`; `NATS_URL` is ignored). */
  readonly env?: NatsEnv;
  /** How long to wait for JetStream to accept a replicated stream (default 30 000 ms). */
  readonly readyTimeoutMs?: number;
  /**
   * A nats-server configuration file every member runs with (`-c`), e.g. a generated `nats.conf`
   * with users and permissions. Address, ports, store, server and cluster names still come from
   * the command line, which overrides the file.
   */
  readonly configFile?: string;
  /**
   * The user the readiness check connects as (it creates and deletes a stream, so it needs the
   * JetStream API of its account, e.g. `admin`); unset = no credentials.
   */
  readonly auth?: { readonly user: string; readonly password: string };
}

const DEFAULT_CLUSTER_READY_MS = 30_000;
const PORT_ATTEMPTS = 3;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits until JetStream can create (and delete) a stream with one replica per member, which
 * needs a meta leader and every member's vote. Rejects after `timeoutMs` with the last error.
 */
async function waitForReplicatedStream(
  urls: readonly string[],
  replicas: number,
  options: NatsClusterOptions,
): Promise<void> {
  const timeoutMs = options.readyTimeoutMs ?? DEFAULT_CLUSTER_READY_MS;
  const auth = options.auth;
  const deadline = Date.now() + timeoutMs;
  const id = randomBytes(4).toString('hex');
  const stream = `TESTKIT_READY_${id}`;
  let nc: NatsConnection | undefined;
  let lastError: unknown;
  try {
    nc = await connectNats(urls, {
      maxReconnectAttempts: -1,
      ...(auth === undefined ? {} : { user: auth.user, pass: auth.password }),
    });
    let jsm: JetStreamManager | undefined;
    while (Date.now() < deadline) {
      try {
        jsm ??= await jetstreamManager(nc, { timeout: 2_000 });
        await jsm.streams.add({
          name: stream,
          subjects: [`_testkit.ready.${id}`],
          num_replicas: replicas,
        });
        await jsm.streams.delete(stream);
        return;
      } catch (err) {
        lastError = err;
        await delay(250);
      }
    }
  } finally {
    await nc?.close();
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(`NATS cluster JetStream not ready within ${timeoutMs} ms: ${reason}`);
}

async function startMembers(
  size: number,
  name: string,
  options: NatsClusterOptions,
): Promise<NatsServerHandle[]> {
  const ports = await findFreePorts(size * 2);
  const clusterPorts = ports.slice(size);
  const routes = clusterPorts.map((p) => `nats://127.0.0.1:${p}`);
  const started = await Promise.allSettled(
    clusterPorts.map((clusterPort, i) =>
      startNatsServer({
        ...(options.env === undefined ? {} : { env: options.env }),
        ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
        name: `${name}-n${i + 1}`,
        port: ports[i] ?? 0,
        cluster: { name, port: clusterPort, routes },
      }),
    ),
  );
  const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = started.find((r) => r.status === 'rejected');
  if (failure === undefined) return servers;
  await Promise.all(servers.map((s) => s.stop()));
  throw failure.reason;
}

/**
 * Starts a `size`-member NATS cluster (default 3) on 127.0.0.1 with JetStream: free client and
 * route ports, one temporary store and a distinct `server_name` per member, a shared random
 * `cluster_name`, and `configFile` when given (connecting as `auth` to check readiness).
 * Resolves once a stream with `size` replicas can be created. Always spawns
 * (`NATS_URL` cannot be clustered); no binary rejects with one line saying what to install.
 * A port race ("address already in use") restarts the whole attempt on new ports.
 */
export async function startNatsCluster(
  size = 3,
  options: NatsClusterOptions = {},
): Promise<NatsClusterHandle> {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`cluster size must be a positive integer, got ${size}`);
  const name = `fp-testkit-${randomBytes(4).toString('hex')}`;
  let servers: NatsServerHandle[] | undefined;
  for (let attempt = 1; servers === undefined; attempt += 1) {
    try {
      servers = await startMembers(size, name, options);
    } catch (err) {
      if (!(err instanceof NatsStartError && err.portInUse) || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
  const members = servers;
  const stop = async (): Promise<void> => {
    await Promise.all(members.map((s) => s.stop()));
  };
  try {
    await waitForReplicatedStream(
      members.map((s) => s.url),
      size,
      options,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { name, urls: members.map((s) => s.url), servers: members, stop };
}
