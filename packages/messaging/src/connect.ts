import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { Status } from '@nats-io/nats-core';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { Log } from './log.js';

/**
 * The one way a fedplane process connects to NATS: reconnect forever, log every status event
 * with a constant message, and stop with `close()` (= `drain()`: subscriptions drain, pending
 * publishes flush, then the connection closes).
 */

/** Options of {@link connectBus}. */
export type BusOptions = {
  /** Server URLs (`nats://host:port`), one or several (a cluster). */
  readonly servers: string | readonly string[];
  /** Client connection name, shown by `nats server report connections` (e.g. `issuer/i-1`). */
  readonly name: string;
  readonly log: Log;
  /** Delay between reconnect attempts (default 2 000 ms; jittered by the client). */
  readonly reconnectTimeWaitMs?: number;
  /** Keep retrying the first connection instead of failing (default false). */
  readonly waitOnFirstConnect?: boolean;
  /** User credentials (runtime `readNatsAuth`: `NATS_USER` + `NATS_PASSWORD[_FILE]`); unset = none. */
  readonly auth?: { readonly user: string; readonly password: string } | undefined;
  /** Further client options (tls, …); these cannot override the above. */
  readonly connection?: Omit<
    NodeConnectionOptions,
    'servers' | 'name' | 'maxReconnectAttempts' | 'reconnectTimeWait' | 'waitOnFirstConnect'
  >;
};

/** A connected bus: the connection and its JetStream, management and KV handles. */
export type Bus = {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly kvm: Kvm;
  /** Drains the connection (idempotent) and waits for the status logger to finish. */
  close(): Promise<void>;
};

/** Logs one status event. Messages are constant; details go in the object. */
export function logNatsStatus(log: Log, status: Status): void {
  switch (status.type) {
    case 'disconnect':
      log.warn({ server: status.server }, 'nats disconnected');
      return;
    case 'reconnect':
      log.info({ server: status.server }, 'nats reconnected');
      return;
    case 'reconnecting':
      log.debug({}, 'nats reconnecting');
      return;
    case 'update':
      log.info(
        { added: status.added ?? [], deleted: status.deleted ?? [] },
        'nats cluster updated',
      );
      return;
    case 'ldm':
      log.warn({ server: status.server }, 'nats server entering lame duck mode');
      return;
    case 'error':
      log.error({ err: status.error }, 'nats server error');
      return;
    case 'ping':
      log.debug({ pending_pings: status.pendingPings }, 'nats ping outstanding');
      return;
    case 'staleConnection':
      log.warn({}, 'nats connection stale');
      return;
    case 'slowConsumer':
      log.warn({ subject: status.sub.getSubject(), pending: status.pending }, 'nats slow consumer');
      return;
    case 'forceReconnect':
      log.info({}, 'nats reconnect forced');
      return;
    case 'close':
      log.info({}, 'nats connection closed');
      return;
  }
}

async function watchStatus(nc: NatsConnection, log: Log): Promise<void> {
  for await (const status of nc.status()) logNatsStatus(log, status);
}

/**
 * Connects with reconnect forever (`maxReconnectAttempts: -1`), starts logging status events,
 * and returns the JetStream, manager and KV handles. Rejects when the first connection fails
 * (unless `waitOnFirstConnect`) or JetStream is not enabled; the connection is closed then.
 */
export async function connectBus(options: BusOptions): Promise<Bus> {
  const { log } = options;
  const servers = typeof options.servers === 'string' ? [options.servers] : [...options.servers];
  const nc = await connect({
    ...options.connection,
    ...(options.auth === undefined ? {} : { user: options.auth.user, pass: options.auth.password }),
    servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 2_000,
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
    // Every request would otherwise build an Error (a captured stack) up front for an async trace
    // it almost never uses: ~60 µs per JetStream publish on the hot paths (renewal, sync push).
    // Our errors carry the subject and operation in their message and log fields instead.
    noAsyncTraces: true,
  });
  const statusLoop = watchStatus(nc, log).catch((err: unknown) => {
    log.error({ err }, 'nats status watch failed');
  });
  log.info({ server: nc.getServer(), name: options.name }, 'nats connected');
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc);
  } catch (err) {
    await nc.close();
    await statusLoop;
    throw err;
  }
  const js = jetstream(nc);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (!nc.isClosed()) {
        await nc.drain().catch(async (err: unknown) => {
          log.warn({ err }, 'nats drain failed');
          await nc.close();
        });
      }
      await statusLoop;
    })();
    return closing;
  };
  return { nc, js, jsm, kvm: new Kvm(js), close };
}
