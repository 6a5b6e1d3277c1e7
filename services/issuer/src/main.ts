import { ed25519Backend } from '@fedplane/core';
import { connectBus } from '@fedplane/messaging';
import {
  createLogger,
  createMetrics,
  createReadiness,
  exitOnConfigError,
  guardStartup,
  onShutdown,
  readNatsAuth,
  startHealthServer,
} from '@fedplane/runtime';
import { Pool } from 'pg';
import { loadIssuerConfig } from './config.js';
import { startIssuer } from './start.js';

/**
 * The issuer's composition root (house-style §2.10): configuration (exit 1 with every problem
 * before connecting), logger, NATS, Postgres, the issuer, the health server, graceful stop.
 */
const config = exitOnConfigError(loadIssuerConfig(process.env));
const natsAuth = exitOnConfigError(await readNatsAuth(config.natsAuth ?? {}));
const log = createLogger({
  service: 'issuer',
  level: config.logLevel,
  instance: config.instanceId,
});
// Until onShutdown takes over: a failed start-up step is logged once and exits 1.
const startup = guardStartup(log);
log.info(
  {
    issuer_id: config.issuerId,
    trust_domain: config.trustDomain,
    key_dir: config.keyDir,
    key_file: config.keyFile !== undefined,
    leaf_ttl_s: config.leafTtlS,
    join_token_ttl_ms: config.joinTokenTtlMs,
    refresh_hint_s: config.refreshHintS,
    service_secrets: config.serviceSecretsFile !== undefined,
    ed25519: ed25519Backend().name,
  },
  'issuer configured',
);

const readiness = createReadiness();
const bus = await connectBus({
  servers: config.natsServers,
  name: `issuer/${config.instanceId}`,
  auth: natsAuth,
  log,
});
const pool = new Pool({ connectionString: config.databaseUrl, max: 10 });
pool.on('error', (err) => log.warn({ err }, 'postgres idle client error'));

const issuer = await startIssuer({ config, log, bus, pool });
readiness.add('nats', () =>
  bus.nc.isClosed() ? { ok: false, reason: 'nats connection closed' } : { ok: true },
);
readiness.add('trust_bundle', () =>
  issuer.trust.published() === undefined
    ? { ok: false, reason: 'no trust bundle held' }
    : { ok: true },
);
const health = await startHealthServer({
  registry: createMetrics({ defaultLabels: { service: 'issuer', instance: config.instanceId } }),
  readiness,
  port: config.healthPort,
  host: config.healthHost,
  log,
});

startup.done();
onShutdown({ log, deadlineMs: config.shutdownTimeoutMs, readiness }, async () => {
  await issuer.stop();
  await bus.close();
  await pool.end();
  await health.close();
});
