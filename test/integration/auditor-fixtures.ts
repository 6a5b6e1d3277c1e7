/** Shared fixtures of the auditor suites: NATS + Postgres + test issuer, emitters, an auditor. */
import { createServer, type Server, type Socket, connect as netConnect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { getHead, readEvents, type StoredAuditEvent } from '@fedplane/audit-store';
import { publicKeyFromSeed } from '@fedplane/core';
import {
  BucketName,
  connectBus,
  newEventStamp,
  publishEvent,
  seedCredentialSigner,
  watchTrustBundle,
  type Bus,
  type CredentialSigner,
  type Log,
  type TrustWatch,
} from '@fedplane/messaging';
import { systemClock } from '@fedplane/runtime';
import {
  createTestDatabase,
  startNatsServer,
  startTestIssuer,
  withPool,
  type NatsServerHandle,
  type TestDatabase,
  type TestIssuer,
} from '@fedplane/testkit';
import type { Pool } from 'pg';
import { prepareAuditor } from '../../services/auditor/src/shell/prepare.js';
import {
  startAuditor,
  type Auditor,
  type AuditorSettings,
} from '../../services/auditor/src/shell/start-auditor.js';

export const SILENT: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

/** A logger that keeps every line (for assertions) and prints nothing. */
export function recordingLog(): { lines: { level: string; obj: object; msg: string }[]; log: Log } {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => {
    lines.push({ level, obj, msg });
  };
  return {
    lines,
    log: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') },
  };
}

/** One suite's world: a NATS server, a database, the declarations, a test issuer. */
export type AuditWorld = {
  readonly nats: NatsServerHandle;
  readonly db: TestDatabase;
  readonly bus: Bus;
  readonly pool: Pool;
  readonly issuer: TestIssuer;
  readonly trust: TrustWatch;
  close(): Promise<void>;
};

export async function startWorld(): Promise<AuditWorld> {
  const nats = await startNatsServer();
  const db = await createTestDatabase();
  const bus = await connectBus({ servers: nats.url, name: 'auditor-test', log: SILENT });
  const pool = withPool(db.url, 8);
  pool.on('error', () => undefined);
  await prepareAuditor({ jsm: bus.jsm, pool, log: SILENT });
  const issuer = await startTestIssuer({ nc: bus.nc });
  const trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), { log: SILENT });
  await trust.ready;
  return {
    nats,
    db,
    bus,
    pool,
    issuer,
    trust,
    close: async () => {
      await trust.stop();
      await issuer.stop();
      await bus.close();
      await pool.end();
      await db.drop();
      await nats.stop();
    },
  };
}

/** A node identity with a credential from the test issuer. */
export function emitter(
  issuer: TestIssuer,
  agentId: string,
  options: { readonly ttlS?: number; readonly nowS?: number } = {},
): CredentialSigner {
  const seed = new Uint8Array(randomBytes(32));
  const credential = issuer.issue(agentId, publicKeyFromSeed(seed), options);
  return seedCredentialSigner({ agentId, seed, credential: () => credential.header });
}

/** Publishes `count` events as `signer` with up to `inFlight` publishes outstanding. Returns ids. */
export async function emit(
  bus: Bus,
  signer: CredentialSigner,
  count: number,
  options: {
    readonly inFlight?: number;
    readonly type?: string;
    readonly onAckMs?: (ms: number) => void;
  } = {},
): Promise<string[]> {
  const ids: string[] = [];
  const inFlight = options.inFlight ?? 64;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next;
      next += 1;
      const stamp = newEventStamp();
      ids[i] = stamp.id;
      const started = Date.now();
      await publishEvent(bus.js, signer, {
        ...stamp,
        type: options.type ?? 'test.happened',
        actor: signer.agentId,
        data: { n: i },
      });
      options.onAckMs?.(Date.now() - started);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return ids;
}

/** Default settings for in-process auditors in tests. */
export const TEST_SETTINGS: AuditorSettings = {
  batch: 500,
  batchWaitMs: 20,
  checkpointIntervalMs: 1_000,
  leaseTtlMs: 3_000,
};

/** An in-process auditor with its own identity from the test issuer. */
export async function startTestAuditor(
  world: Pick<AuditWorld, 'bus' | 'issuer' | 'trust'> & { readonly pool: Pool },
  instance: string,
  options: { readonly settings?: Partial<AuditorSettings>; readonly log?: Log } = {},
): Promise<Auditor> {
  const signer = emitter(world.issuer, `svc/auditor/${instance}`);
  return startAuditor({
    bus: world.bus,
    pool: world.pool,
    signer,
    trust: world.trust,
    settings: { ...TEST_SETTINGS, ...options.settings },
    clock: systemClock,
    log: options.log ?? SILENT,
  });
}

/** Polls until `check` holds or `ms` pass. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the chain holds at least `size` rows. */
export async function chainSize(pool: Pool, size: number, ms = 20_000): Promise<void> {
  await eventually(async () => (await getHead(pool)).size >= size, ms, `chain size ${size}`);
}

/** Every stored row, in seq order. */
export async function allRows(pool: Pool): Promise<StoredAuditEvent[]> {
  const rows: StoredAuditEvent[] = [];
  for (;;) {
    const page = await readEvents(pool, { afterSeq: rows.at(-1)?.seq ?? 0, limit: 10_000 });
    rows.push(...page);
    if (page.length < 10_000) return rows;
  }
}

/**
 * A TCP proxy in front of Postgres: the auditor's pool connects through it, and `stop()` cuts
 * every connection and refuses new ones (Postgres "down") until `start()`.
 */
export type PgProxy = {
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
};

export async function startPgProxy(target: { host: string; port: number }): Promise<PgProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = netConnect(target.port, target.host);
        sockets.add(client);
        sockets.add(upstream);
        const drop = (): void => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop);
        upstream.on('error', drop);
        client.on('close', drop);
        upstream.on('close', drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        const address = s.address();
        if (typeof address === 'object' && address !== null) port = address.port;
        server = s;
        resolve();
      });
    });
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return {
    get port() {
      return port;
    },
    stop,
    start: listen,
    close: stop,
  };
}
