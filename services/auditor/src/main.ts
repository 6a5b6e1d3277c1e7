import { ed25519Backend } from '@fedplane/core';
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
import { AuditorEnvSchema, loadConfig } from './config.js';
import { prepareAuditor } from './shell/prepare.js';
import { startAuditor } from './shell/start-auditor.js';

/** Version in the instance status (`agent_version`), as in `$SRV.INFO`. */
const SERVICE_VERSION = '0.1.0';

/** Composition root of the auditor (house-style §2.10): build in order, tear down in reverse. */
const config = exitOnConfigError(loadConfig(process.env));
const natsAuth = exitOnConfigError(await readNatsAuth(config.env));
const secret = exitOnConfigError(await readServiceSecret(config.env));
const log = createLogger({
  service: 'auditor',
  level: config.env.LOG_LEVEL,
  instance: config.instance,
});
// Until onShutdown takes over: a failed start-up step is logged once and exits 1.
const startup = guardStartup(log);
log.info(
  { config: redactConfig(AuditorEnvSchema, config.env), ed25519: ed25519Backend().name },
  'configured',
);

const bus = await connectBus({
  servers: config.natsServers,
  name: `auditor/${config.instance}`,
  auth: natsAuth,
  log: log.child({ component: 'nats' }),
  waitOnFirstConnect: true,
});
const pool = new Pool({ connectionString: config.databaseUrl, max: config.dbPoolSize });
pool.on('error', (err) => log.warn({ err }, 'idle postgres connection failed'));
await prepareAuditor({
  jsm: bus.jsm,
  pool,
  log: log.child({ component: 'prepare' }),
  replicas: config.env.NATS_STREAM_REPLICAS,
});

const trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), {
  log: log.child({ component: 'trust' }),
});
const registry = createMetrics({
  defaultLabels: { service: 'auditor', instance: config.instance },
});
const holder = createCredentialHolder({
  service: 'auditor',
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

const auditor = await startAuditor({
  bus,
  pool,
  signer: holder.signer,
  trust,
  settings: config.settings,
  clock: systemClock,
  log: log.child({ component: 'auditor' }),
});

const readiness = createReadiness();
readiness.add('nats', () =>
  bus.nc.isClosed() ? { ok: false, reason: 'nats closed' } : { ok: true },
);
readiness.add('credential', () => holder.readiness());
readiness.add('trust_bundle', () =>
  trust.current() === undefined ? { ok: false, reason: 'no trust bundle' } : { ok: true },
);
readiness.add('append', () => auditor.readiness());
const health = await startHealthServer({
  registry,
  readiness,
  port: config.env.HEALTH_PORT,
  host: config.env.HEALTH_HOST,
  log,
});
// The signed instance status on fed.status.svc.auditor.<instance> (bus.md FED_STATUS).
const instanceStatus = startInstanceStatus({
  bus,
  service: 'auditor',
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
    await auditor.stop();
    await instanceStatus.stop();
    holderStop.abort();
    await holderRun;
    await trust.stop();
    await health.close();
    await bus.close();
    await pool.end();
  },
);
auditor.done.catch((error: unknown) => shutdown.trigger({ kind: 'fatal', error }));
log.info({ agent_id: holder.agentId, health_port: health.port }, 'auditor started');
