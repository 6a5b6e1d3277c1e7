/**
 * Shared fixtures of the sync-gateway suites (engine and edge): a NATS server with the fedplane
 * streams and buckets, a test issuer publishing the trust bundle, a fresh Postgres database,
 * node identities on disk in the renewal-agent's file format, and in-process gateways (engine
 * only) over real NATS + Postgres. Keep the exported names stable: the edge suites import them.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  DlqEntrySchema,
  fromUtf8,
  publicKeyFromSeed,
  toBase64,
  type DlqEntry,
  type PeerScopes,
} from '@fedplane/core';
import {
  BucketName,
  connectBus,
  ensureKv,
  ensureStreams,
  fedBuckets,
  fedStreams,
  seedCredentialSigner,
  StreamName,
  syncDlqSubject,
  watchTrustBundle,
  type Bus,
  type CredentialSigner,
  type Log,
  type TrustWatch,
} from '@fedplane/messaging';
import {
  createTestDatabase,
  startNatsServer,
  startTestIssuer,
  type NatsServerHandle,
  type TestDatabase,
  type TestIssuer,
} from '@fedplane/testkit';
import { Pool } from 'pg';
import { replicaDigest } from '../../services/sync-gateway/src/adapters/pg-replica.js';
import {
  startSyncGateway,
  type SyncGateway,
} from '../../services/sync-gateway/src/shell/start-gateway.js';

export const SYNC_SILENT: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

/** NATS + issuer + Postgres for one suite. */
export type SyncWorld = {
  readonly nats: NatsServerHandle;
  readonly bus: Bus;
  readonly issuer: TestIssuer;
  readonly trust: TrustWatch;
  readonly db: TestDatabase;
  readonly pool: Pool;
  readonly dir: string;
  close(): Promise<void>;
};

/** Starts the world. */
export async function startSyncWorld(): Promise<SyncWorld> {
  const nats = await startNatsServer();
  const bus = await connectBus({ servers: nats.url, name: 'sync-test', log: SYNC_SILENT });
  await ensureStreams(bus.jsm, fedStreams());
  await ensureKv(bus.jsm, fedBuckets());
  const issuer = await startTestIssuer({ nc: bus.nc });
  const trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), { log: SYNC_SILENT });
  await trust.ready;
  const db = await createTestDatabase();
  const pool = new Pool({ connectionString: db.url, max: 12 });
  pool.on('error', () => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'sync-test-'));
  return {
    nats,
    bus,
    issuer,
    trust,
    db,
    pool,
    dir,
    close: async () => {
      await trust.stop();
      await issuer.stop();
      await pool.end();
      await db.drop();
      await bus.close();
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A node identity on disk (renewal-agent file format) and an in-memory signer for it. */
export type TestNode = {
  readonly nodeId: string;
  readonly seed: Uint8Array;
  readonly paths: { keyPath: string; credPath: string; chainPath: string };
  readonly signer: CredentialSigner;
};

/** Creates a node key and credential files under the world's directory. */
export function makeNode(world: SyncWorld, nodeId: string): TestNode {
  const seed = new Uint8Array(randomBytes(32));
  const issued = world.issuer.issue(nodeId, publicKeyFromSeed(seed));
  const base = join(world.dir, nodeId.replace(/[^A-Za-z0-9]/g, '_'));
  const paths = { keyPath: `${base}.key`, credPath: `${base}.cred`, chainPath: `${base}.chain` };
  writeFileSync(paths.keyPath, `${toBase64(seed)}\n`, { mode: 0o600 });
  chmodSync(paths.keyPath, 0o600);
  writeFileSync(paths.credPath, `${issued.header}\n`, { mode: 0o600 });
  const signer = seedCredentialSigner({ agentId: nodeId, seed, credential: () => issued.header });
  return { nodeId, seed, paths, signer };
}

/** Options of {@link startTestGateway}. */
export type TestGatewayOptions = {
  readonly quorum?: number;
  readonly timeoutMs?: number;
  readonly requireSig?: boolean;
  readonly scopes?: PeerScopes;
  readonly peers?: readonly string[];
  readonly pool?: Pool;
  readonly batch?: number;
  readonly outboxIntervalMs?: number;
  readonly forwardUrl?: string;
};

/** An in-process gateway with its own NATS connection. */
export type TestGateway = SyncGateway & {
  readonly node: TestNode;
  readonly bus: Bus;
  close(): Promise<void>;
};

/** Starts an in-process engine for `node` (its own connection; the world's database). */
export async function startTestGateway(
  world: SyncWorld,
  node: TestNode,
  options: TestGatewayOptions = {},
): Promise<TestGateway> {
  const bus = await connectBus({
    servers: world.nats.url,
    name: `gw/${node.nodeId}`,
    log: SYNC_SILENT,
  });
  const gateway = await startSyncGateway({
    nodeId: node.nodeId,
    bus,
    pool: options.pool ?? world.pool,
    signer: node.signer,
    trust: () => world.trust.current(),
    requireSig: () => options.requireSig ?? true,
    inventoryWidth: () => undefined,
    snapshotPeers: () => options.peers ?? [],
    scopes: options.scopes ?? new Map(),
    settings: {
      quorumOverride: options.quorum ?? 1,
      quorumTimeoutMs: options.timeoutMs ?? 2_000,
      batch: options.batch ?? 500,
      ...(options.forwardUrl === undefined ? {} : { forwardUrl: options.forwardUrl }),
      ...(options.outboxIntervalMs === undefined
        ? {}
        : { outboxIntervalMs: options.outboxIntervalMs }),
    },
    nowMs: () => Date.now(),
    log: SYNC_SILENT,
  });
  return {
    ...gateway,
    node,
    bus,
    close: async () => {
      await gateway.stop();
      await bus.close();
    },
  };
}

/** A valid memory record. */
export function memory(
  id: string,
  updatedAt: string,
  content = `content of ${id}`,
  namespace = 'team/a',
) {
  return { id, namespace, title: `title ${id}`, content, updated_at: updatedAt };
}

/** A push body of `memories`. */
export function pushBody(sender: string, memories: readonly Record<string, unknown>[]) {
  return { sender_agent_id: sender, sender_clock: {}, memories: [...memories], dry_run: false };
}

/** `(id, content_hash, deleted)` rows of a node's replica. */
export function digest(world: SyncWorld, nodeId: string, pool: Pool = world.pool) {
  return replicaDigest(pool, nodeId);
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last result. */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A TCP proxy the test controls (to take Postgres away from one gateway, superuser or not). */
export type TcpProxy = {
  readonly port: number;
  /** Drops every open connection and refuses new ones. */
  block(): void;
  unblock(): void;
  close(): Promise<void>;
};

/** Starts a proxy on a free local port to `host:port`. */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let blocked = false;
  const server = createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    const upstream = connect(port, host);
    sockets.add(client);
    sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const listenPort = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port: listenPort,
    block: () => {
      blocked = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    unblock: () => {
      blocked = false;
    },
    close: async () => {
      blocked = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `url` with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}

/** The entries of `fed.sync.dlq.<node>` still in `FED_SYNC_DLQ`, in stream order. */
export async function readDlq(world: SyncWorld, nodeId: string): Promise<DlqEntry[]> {
  const jsm = world.bus.jsm;
  const info = await jsm.streams.info(StreamName.syncDlq);
  const out: DlqEntry[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq += 1) {
    const msg = await jsm.streams.getMessage(StreamName.syncDlq, { seq }).catch(() => null);
    if (msg === null || msg.subject !== syncDlqSubject(nodeId)) continue;
    out.push(DlqEntrySchema.parse(JSON.parse(fromUtf8(msg.data) ?? '')));
  }
  return out;
}
