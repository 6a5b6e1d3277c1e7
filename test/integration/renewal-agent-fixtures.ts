/** Shared fixtures of the renewal-agent suites: NATS, streams, a test issuer, in-process agents. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NodeStatusSchema,
  fromUtf8,
  parseJsonText,
  type NodeStatus,
  type VerifierBundle,
} from '@fedplane/core';
import {
  BucketName,
  StreamName,
  connectBus,
  ensureKv,
  ensureStreams,
  fedBuckets,
  fedStreams,
  nodeStatusSubject,
  verifyEventMessage,
  verifySignedMessage,
  watchTrustBundle,
  type Bus,
  type Log,
  type MessageAttestation,
  type TrustWatch,
} from '@fedplane/messaging';
import { createMetrics } from '@fedplane/runtime';
import {
  startNatsServer,
  startTestIssuer,
  type NatsServerHandle,
  type TestIssuer,
  type TestIssuerOptions,
} from '@fedplane/testkit';
import type { Subscription } from '@nats-io/nats-core';
import { nodeAgentSpec } from '../../services/renewal-agent/src/shell/agent-specs.js';
import {
  AGENT_VERSION,
  type AgentSettings,
} from '../../services/renewal-agent/src/shell/settings.js';
import {
  startRenewalAgent,
  type AgentSpec,
  type RenewalAgent,
} from '../../services/renewal-agent/src/shell/start-renewal-agent.js';
import type { JoinTokenConfig } from '../../services/renewal-agent/src/config.js';

export const SILENT: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

/** One event seen on `fed.evt.credential.>`, with its attestation. */
export type SeenEvent = {
  readonly type: string;
  readonly actor: string;
  readonly at: string;
  readonly data: Record<string, unknown>;
  readonly attestation: MessageAttestation;
};

/** A suite's world: NATS with the streams and buckets, a test issuer, the trust watch. */
export type AgentWorld = {
  readonly nats: NatsServerHandle;
  readonly bus: Bus;
  readonly issuer: TestIssuer;
  readonly trust: TrustWatch;
  readonly dir: string;
  /** Every credential event published so far. */
  readonly events: SeenEvent[];
  bundle(): VerifierBundle;
  close(): Promise<void>;
};

/** Starts NATS, declares streams and buckets, starts a test issuer, collects credential events. */
export async function startAgentWorld(
  issuer: Omit<TestIssuerOptions, 'nc'> = {},
): Promise<AgentWorld> {
  const nats = await startNatsServer();
  const bus = await connectBus({ servers: nats.url, name: 'renewal-agent-test', log: SILENT });
  await ensureStreams(bus.jsm, fedStreams());
  await ensureKv(bus.jsm, fedBuckets());
  const testIssuer = await startTestIssuer({ nc: bus.nc, ...issuer });
  const trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), { log: SILENT });
  await trust.ready;
  const events: SeenEvent[] = [];
  const sub: Subscription = bus.nc.subscribe('fed.evt.credential.>', {
    callback: (err, msg) => {
      if (err !== null) return;
      const seen = verifyEventMessage({
        headers: msg.headers,
        body: msg.data,
        bundle: testIssuer.verifier(),
        nowS: Math.floor(Date.now() / 1000),
      });
      if (!seen.event.ok) return;
      const { type, actor, at, data } = seen.event.value;
      events.push({
        type,
        actor,
        at,
        data: data,
        attestation: seen.attestation,
      });
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'renewal-agent-int-'));
  return {
    nats,
    bus,
    issuer: testIssuer,
    trust,
    dir,
    events,
    bundle: () => testIssuer.verifier(),
    close: async () => {
      sub.unsubscribe();
      await trust.stop();
      await testIssuer.stop();
      await bus.close();
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Agent settings for tests (short intervals), with overrides. */
export function testSettings(over: Partial<AgentSettings> = {}): AgentSettings {
  return {
    mode: 'issuer',
    policy: { renewBeforeS: 2, minBackoffS: 1, maxBackoffS: 300, backoffFractionOfRemaining: 0.25 },
    maxAttestBackoffS: 2,
    rotateKey: false,
    statusIntervalMs: 1_000,
    fileIntervalMs: 200,
    agentVersion: AGENT_VERSION,
    ...over,
    ...(over.policy === undefined ? {} : { policy: { ...testPolicy(), ...over.policy } }),
  };
}

function testPolicy(): AgentSettings['policy'] {
  return { renewBeforeS: 2, minBackoffS: 1, maxBackoffS: 300, backoffFractionOfRemaining: 0.25 };
}

/** The files of one node under the world's directory. */
export function nodePaths(world: AgentWorld, name: string) {
  const base = join(world.dir, name);
  return {
    keyPath: join(base, 'keys', 'node.key'),
    credPath: join(base, 'cred'),
    chainPath: join(base, 'cred.chain'),
  };
}

/** A running in-process agent for one node with real files. */
export type RunningAgent = {
  readonly agent: RenewalAgent;
  readonly paths: ReturnType<typeof nodePaths>;
  readonly registry: ReturnType<typeof createMetrics>;
  stop(): Promise<void>;
};

/** Starts one node's agent in-process (files under the world dir). */
export async function startNodeAgent(
  world: AgentWorld,
  options: {
    readonly nodeId: string;
    readonly settings?: AgentSettings;
    readonly joinToken?: JoinTokenConfig;
    readonly name?: string;
    readonly spec?: (spec: AgentSpec) => AgentSpec;
  },
): Promise<RunningAgent> {
  const paths = nodePaths(world, options.name ?? options.nodeId.replaceAll('/', '_'));
  const registry = createMetrics();
  const base = nodeAgentSpec(
    { nodeId: options.nodeId, ...paths, joinToken: options.joinToken ?? { kind: 'none' } },
    SILENT,
  );
  const agent = await startRenewalAgent({
    nc: world.bus.nc,
    js: world.bus.js,
    agents: [options.spec === undefined ? base : options.spec(base)],
    settings: options.settings ?? testSettings(),
    trust: world.trust,
    log: SILENT,
    registry,
  });
  return { agent, paths, registry, stop: () => agent.stop() };
}

/** Polls `check` every 50 ms until it is truthy; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The latest status of `nodeId` in `FED_STATUS`, parsed and attested, or null. */
export async function latestStatus(
  world: AgentWorld,
  nodeId: string,
): Promise<{ body: NodeStatus; attestation: MessageAttestation; seq: number } | null> {
  const stored = await world.bus.jsm.streams
    .getMessage(StreamName.status, { last_by_subj: nodeStatusSubject(nodeId) })
    .catch(() => null);
  if (stored === null) return null;
  const text = fromUtf8(stored.data);
  const json = text === undefined ? undefined : parseJsonText(text);
  const parsed = json?.ok === true ? NodeStatusSchema.safeParse(json.value) : undefined;
  if (parsed?.success !== true) throw new Error(`status of ${nodeId} does not parse`);
  const attestation = verifySignedMessage({
    headers: stored.header,
    body: stored.data,
    bundle: world.bundle(),
    nowS: Math.floor(Date.now() / 1000),
    actor: nodeId,
  });
  return { body: parsed.data, attestation, seq: stored.seq };
}
