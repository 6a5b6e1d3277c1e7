import { ed25519Backend } from '@fedplane/core';
import { BucketName, connectBus, watchPosture, watchTrustBundle } from '@fedplane/messaging';
import {
  createLogger,
  createMetrics,
  createReadiness,
  exitOnConfigError,
  guardStartup,
  onShutdown,
  readNatsAuth,
  redactConfig,
  startHealthServer,
  systemClock,
} from '@fedplane/runtime';
import { Pool } from 'pg';
import { buildSyncHttp } from './adapters/http-server.js';
import { registerSyncMetrics } from './adapters/metrics.js';
import { startSyncEndpoints } from './adapters/nats-sync-endpoints.js';
import { SyncGatewayEnvSchema, loadConfig } from './config.js';
import { createEdgeAuth } from './shell/edge-auth.js';
import { createEdgeMetrics } from './shell/edge-metrics.js';
import { watchInventory } from './shell/inventory-watch.js';
import { watchNodeSigner } from './shell/node-signer.js';
import { startSyncGateway } from './shell/start-gateway.js';

/** Composition root of the sync-gateway (house-style §2.10): build in order, tear down in reverse. */
const config = exitOnConfigError(loadConfig(process.env));
const natsAuth = exitOnConfigError(await readNatsAuth(config.env));
const log = createLogger({
  service: 'sync-gateway',
  level: config.env.LOG_LEVEL,
  instance: config.instance,
});
// Until onShutdown takes over: a failed start-up step is logged once and exits 1.
const startup = guardStartup(log);
log.info(
  { config: redactConfig(SyncGatewayEnvSchema, config.env), ed25519: ed25519Backend().name },
  'configured',
);

const node = watchNodeSigner({
  nodeId: config.nodeId,
  paths: config.files,
  pollMs: config.env.FED_IDENTITY_POLL,
  log: log.child({ component: 'identity' }),
});
await node.ready;

const bus = await connectBus({
  servers: config.natsServers,
  name: `sync-gateway/${config.nodeId}`,
  log: log.child({ component: 'nats' }),
  waitOnFirstConnect: true,
  auth: natsAuth,
});
const pool = new Pool({ connectionString: config.databaseUrl, max: config.env.SYNC_DB_POOL });
pool.on('error', (err) => log.warn({ err }, 'idle postgres connection failed'));

const trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), {
  log: log.child({ component: 'trust' }),
});
await trust.ready;
const posture = watchPosture(await bus.kvm.open(BucketName.enforcement), {
  trust,
  clock: systemClock,
  log: log.child({ component: 'posture' }),
});
await posture.ready;
const inventory = watchInventory(await bus.kvm.open(BucketName.inventory), log);
const requireSig = (): boolean => posture.current().posture?.require_sig === true;

const registry = createMetrics({
  defaultLabels: { service: 'sync-gateway', instance: config.instance },
});
const gateway = await startSyncGateway({
  nodeId: config.nodeId,
  bus,
  pool,
  signer: node.signer,
  trust: () => trust.current(),
  requireSig,
  inventoryWidth: () => inventory.current()?.quorumWidth,
  snapshotPeers: () =>
    config.env.SYNC_SNAPSHOT_PEERS ?? inventory.current()?.nodes.map((n) => n.id) ?? [],
  scopes: config.scopes,
  settings: {
    quorumOverride: config.env.SYNC_QUORUM_W,
    quorumTimeoutMs: config.env.SYNC_QUORUM_TIMEOUT_MS,
    batch: config.env.SYNC_BATCH,
    streamMaxAgeMs: config.env.SYNC_STREAM_MAX_AGE,
    streamReplicas: config.env.NATS_STREAM_REPLICAS,
    forwardUrl: config.env.SYNC_FORWARD_URL,
  },
  nowMs: () => systemClock.nowMs(),
  log: log.child({ component: 'engine' }),
});
registerSyncMetrics(registry, gateway.metrics);

const auth = createEdgeAuth({
  posture: requireSig,
  bundle: () => trust.current(),
  clock: systemClock,
  log: log.child({ component: 'edge' }),
  scopes: () => config.scopes,
  metrics: createEdgeMetrics(registry),
});
const endpoints = await startSyncEndpoints(bus.nc, {
  nodeId: config.nodeId,
  engine: gateway.engine,
  auth,
  log: log.child({ component: 'nats-endpoints' }),
  maxBodyBytes: config.env.SYNC_MAX_BODY_BYTES,
});
const http = buildSyncHttp({
  engine: gateway.engine,
  auth,
  log: log.child({ component: 'http' }),
  limits: { maxBodyBytes: config.env.SYNC_MAX_BODY_BYTES },
});
await http.listen({ port: config.env.SYNC_HTTP_PORT, host: config.env.SYNC_HTTP_HOST });

const readiness = createReadiness();
readiness.add('nats', () =>
  bus.nc.isClosed() ? { ok: false, reason: 'nats closed' } : { ok: true },
);
readiness.add('credential', () =>
  node.held() ? { ok: true } : { ok: false, reason: 'node credential not held' },
);
readiness.add('trust_bundle', () =>
  trust.current() === undefined ? { ok: false, reason: 'no trust bundle' } : { ok: true },
);
readiness.add('receive', () => gateway.readiness());
const health = await startHealthServer({
  registry,
  readiness,
  port: config.env.HEALTH_PORT,
  host: config.env.HEALTH_HOST,
  log,
});

startup.done();
const shutdown = onShutdown(
  { log, deadlineMs: config.env.SHUTDOWN_TIMEOUT, readiness },
  async () => {
    await http.close();
    await endpoints.stop();
    await gateway.stop();
    inventory.stop();
    await posture.stop();
    await trust.stop();
    node.stop();
    await health.close();
    await bus.close();
    await pool.end();
  },
);
gateway.receiver.done.catch((error: unknown) => shutdown.trigger({ kind: 'fatal', error }));
const address = http.server.address();
log.info(
  {
    node_id: config.nodeId,
    http_port: typeof address === 'object' && address !== null ? address.port : undefined,
    health_port: health.port,
  },
  'sync-gateway started',
);
