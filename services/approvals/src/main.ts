import { ed25519Backend } from '@fedplane/core';
import { readFile } from 'node:fs/promises';
import { BucketName, connectBus, watchTrustBundle } from '@fedplane/messaging';
import {
  createCredentialHolder,
  createLogger,
  createMetrics,
  createReadiness,
  exitOnConfigError,
  guardStartup,
  natsIssuerClient,
  onShutdown,
  readNatsAuth,
  readServiceSecret,
  redactConfig,
  startHealthServer,
  startInstanceStatus,
  systemClock,
} from '@fedplane/runtime';
import { Pool } from 'pg';
import { ApprovalsEnvSchema, loadConfig, loadSecrets } from './config.js';
import { startApprovals } from './shell/start-approvals.js';

/** Version in the instance status (`agent_version`), as in `$SRV.INFO`. */
const SERVICE_VERSION = '0.1.0';

/** Composition root of the approvals service (house-style §2.10): build in order, tear down in reverse. */
const config = exitOnConfigError(loadConfig(process.env));
const secret = exitOnConfigError(await readServiceSecret(config.env));
const secrets = exitOnConfigError(await loadSecrets(config.env, (path) => readFile(path, 'utf8')));
const natsAuth = exitOnConfigError(await readNatsAuth(config.env));
const log = createLogger({
  service: 'approvals',
  level: config.env.LOG_LEVEL,
  instance: config.instance,
});
// Until onShutdown takes over: a failed start-up step is logged once and exits 1.
const startup = guardStartup(log);
log.info(
  { config: redactConfig(ApprovalsEnvSchema, config.env), ed25519: ed25519Backend().name },
  'configured',
);
if (secrets.apiKeys.length === 0) log.warn({}, 'no API keys configured: API routes answer 401');
if (secrets.hmacSecret === null) log.warn({}, 'no HMAC secret configured: decisions answer 401');

const bus = await connectBus({
  servers: config.natsServers,
  name: `approvals/${config.instance}`,
  log: log.child({ component: 'nats' }),
  waitOnFirstConnect: true,
  auth: natsAuth,
});
const pool = new Pool({ connectionString: config.databaseUrl, max: config.dbPoolSize });
pool.on('error', (err) => log.warn({ err }, 'idle postgres connection failed'));

const trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), {
  log: log.child({ component: 'trust' }),
});
const registry = createMetrics({
  defaultLabels: { service: 'approvals', instance: config.instance },
});
const holder = createCredentialHolder({
  service: 'approvals',
  instance: config.instance,
  secret,
  issuer: natsIssuerClient(bus.nc),
  clock: systemClock,
  log: log.child({ component: 'credential' }),
  bundle: () => trust.current(),
  registry,
});
const holderStop = new AbortController();
const holderRun = holder.run(holderStop.signal);

const approvals = await startApprovals({
  bus,
  pool,
  signer: holder.signer,
  trust,
  settings: config.settings,
  apiKeys: secrets.apiKeys,
  hmacSecret: secrets.hmacSecret,
  log: log.child({ component: 'approvals' }),
  instance: config.instance,
  http: config.http,
  streamReplicas: config.env.NATS_STREAM_REPLICAS,
});

const readiness = createReadiness();
readiness.add('nats', () =>
  bus.nc.isClosed() ? { ok: false, reason: 'nats closed' } : { ok: true },
);
readiness.add('credential', () => holder.readiness());
readiness.add('trust_bundle', () =>
  trust.current() === undefined ? { ok: false, reason: 'no trust bundle' } : { ok: true },
);
const health = await startHealthServer({
  registry,
  readiness,
  port: config.env.HEALTH_PORT,
  host: config.env.HEALTH_HOST,
  log,
});
// The signed instance status on fed.status.svc.approvals.<instance> (bus.md FED_STATUS).
const instanceStatus = startInstanceStatus({
  bus,
  service: 'approvals',
  holder,
  readiness,
  instance: config.instance,
  version: SERVICE_VERSION,
  clock: systemClock,
  log: log.child({ component: 'status' }),
});

startup.done();
const shutdown = onShutdown(
  { log, deadlineMs: config.env.SHUTDOWN_TIMEOUT, readiness },
  async () => {
    await approvals.stop();
    await instanceStatus.stop();
    holderStop.abort();
    await holderRun;
    await trust.stop();
    await health.close();
    await bus.close();
    await pool.end();
  },
);
approvals.done.catch((error: unknown) => shutdown.trigger({ kind: 'fatal', error }));
log.info(
  { agent_id: holder.agentId, http_port: approvals.port, health_port: health.port },
  'approvals ready',
);
