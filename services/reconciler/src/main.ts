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
import { ReconcilerEnvSchema, loadConfig } from './config.js';
import { startReconciler } from './shell/start-reconciler.js';

/** Version in the instance status (`agent_version`), as in `$SRV.INFO`. */
const SERVICE_VERSION = '0.1.0';

/** Composition root of the reconciler (house-style §2.10): build in order, tear down in reverse. */
const config = exitOnConfigError(loadConfig(process.env));
const secret = exitOnConfigError(await readServiceSecret(config.env));
const natsAuth = exitOnConfigError(await readNatsAuth(config.env));
const log = createLogger({
  service: 'reconciler',
  level: config.env.LOG_LEVEL,
  instance: config.instance,
});
// Until onShutdown takes over: a failed start-up step is logged once and exits 1.
const startup = guardStartup(log);
log.info(
  { config: redactConfig(ReconcilerEnvSchema, config.env), ed25519: ed25519Backend().name },
  'configured',
);

const bus = await connectBus({
  servers: config.natsServers,
  name: `reconciler/${config.instance}`,
  log: log.child({ component: 'nats' }),
  waitOnFirstConnect: true,
  auth: natsAuth,
});
const trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), {
  log: log.child({ component: 'trust' }),
});
const registry = createMetrics({
  defaultLabels: { service: 'reconciler', instance: config.instance },
});
const holder = createCredentialHolder({
  service: 'reconciler',
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
// Events and the posture are signed as this identity: wait for it before planning.
await holder.whenHeld(holderStop.signal);

const reconciler = await startReconciler({
  bus,
  signer: holder.signer,
  trust,
  settings: config.settings,
  clock: systemClock,
  log: log.child({ component: 'reconciler' }),
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
readiness.add('passes', () => reconciler.readiness());
const health = await startHealthServer({
  registry,
  readiness,
  port: config.env.HEALTH_PORT,
  host: config.env.HEALTH_HOST,
  log,
});
// The signed instance status on fed.status.svc.reconciler.<instance> (bus.md FED_STATUS).
const instanceStatus = startInstanceStatus({
  bus,
  service: 'reconciler',
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
    await reconciler.stop();
    await instanceStatus.stop();
    holderStop.abort();
    await holderRun;
    await trust.stop();
    await health.close();
    await bus.close();
  },
);
reconciler.done.catch((error: unknown) => shutdown.trigger({ kind: 'fatal', error }));
log.info({ agent_id: holder.agentId, health_port: health.port }, 'reconciler started');
