import { ed25519Backend } from '@fedplane/core';
import { BucketName, connectBus, watchTrustBundle } from '@fedplane/messaging';
import {
  createLogger,
  createMetrics,
  createReadiness,
  exitOnConfigError,
  guardStartup,
  onShutdown,
  readNatsAuth,
  redactConfig,
  sleep,
  startHealthServer,
  systemClock,
} from '@fedplane/runtime';
import { pollIssuerTrust } from './adapters/issuer-trust.js';
import { tokensFromEnroll, tokensFromFile } from './adapters/join-token.js';
import { RenewalAgentEnvSchema, TrustSource, applyArgv, loadConfig } from './config.js';
import { nodeAgentSpec, simulatedAgentSpecs } from './shell/agent-specs.js';
import { AGENT_VERSION } from './shell/settings.js';
import { startRenewalAgent, type AgentSpec } from './shell/start-renewal-agent.js';

/** Composition root of the renewal-agent (house-style §2.10): build in order, tear down in reverse. */

/** How long the start waits for the first trust bundle before restoring stored credentials. */
const BUNDLE_WAIT_MS = 5_000;
const env = exitOnConfigError(applyArgv(process.env, process.argv.slice(2)));
const config = exitOnConfigError(loadConfig(env));
const natsAuth = exitOnConfigError(await readNatsAuth(config.env));
const log = createLogger({
  service: 'renewal-agent',
  level: config.env.LOG_LEVEL,
  instance: config.instance,
  version: AGENT_VERSION,
});
// Until onShutdown takes over: a failed start-up step is logged once and exits 1.
const startup = guardStartup(log);
log.info(
  { config: redactConfig(RenewalAgentEnvSchema, config.env), ed25519: ed25519Backend().name },
  'configured',
);

const bus = await connectBus({
  servers: config.natsServers,
  name: `renewal-agent/${config.node?.nodeId ?? `simulate-${String(config.simulate?.count)}`}`,
  auth: natsAuth,
  log: log.child({ component: 'nats' }),
  waitOnFirstConnect: true,
});

const trustLog = log.child({ component: 'trust' });
const trust =
  config.trustSource === TrustSource.kv
    ? watchTrustBundle(await bus.kvm.open(BucketName.trust), { log: trustLog })
    : pollIssuerTrust(bus.nc, { log: trustLog, timeoutMs: config.requestTimeoutMs });
// Restoring a stored credential verifies it against the bundle when one arrives in time.
const waitForBundle = new AbortController();
await Promise.race([
  trust.ready.catch(() => undefined),
  sleep(BUNDLE_WAIT_MS, waitForBundle.signal),
]);
waitForBundle.abort();

let specs: AgentSpec[];
if (config.simulate !== undefined) {
  const sim = config.simulate;
  const tokens =
    sim.tokensFile !== undefined
      ? await tokensFromFile(sim.tokensFile)
      : tokensFromEnroll(bus.nc, config.requestTimeoutMs);
  specs = simulatedAgentSpecs(sim.prefix, sim.count, tokens);
} else if (config.node !== undefined) {
  specs = [nodeAgentSpec(config.node, log)];
} else {
  throw new Error('configuration has neither a node nor a simulation'); // loadConfig forbids it
}

const registry = createMetrics({
  defaultLabels: { service: 'renewal-agent', instance: config.instance },
});
const agent = await startRenewalAgent({
  nc: bus.nc,
  js: bus.js,
  agents: specs,
  settings: config.settings,
  trust,
  log,
  requestTimeoutMs: config.requestTimeoutMs,
  clock:
    config.clockSkewMs === 0
      ? systemClock
      : { nowMs: () => systemClock.nowMs() + config.clockSkewMs },
  registry,
  startSpreadMs: config.simulate?.spreadMs ?? 0,
});

const readiness = createReadiness();
readiness.add('nats', () =>
  bus.nc.isClosed() ? { ok: false, reason: 'nats closed' } : { ok: true },
);
readiness.add('credential', () => agent.readiness());
const health = await startHealthServer({
  registry,
  readiness,
  port: config.env.HEALTH_PORT,
  host: config.env.HEALTH_HOST,
  log,
});

startup.done();
onShutdown({ log, deadlineMs: config.env.SHUTDOWN_TIMEOUT, readiness }, async () => {
  await agent.stop();
  await trust.stop();
  await health.close();
  await bus.close();
});
log.info(
  { agents: agent.agents.length, mode: config.settings.mode, health_port: health.port },
  'renewal agent ready',
);
