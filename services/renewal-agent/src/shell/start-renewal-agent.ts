import type { Log } from '@fedplane/messaging';
import {
  natsIssuerClient,
  sleep,
  systemClock,
  type CheckResult,
  type Clock,
  type IssuerClient,
} from '@fedplane/runtime';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { registerAgentEndpoints } from '../adapters/nats-endpoints.js';
import {
  noAttemptMetrics,
  registerAgentMetrics,
  type MetricsRegistry,
} from '../adapters/metrics.js';
import { createNatsPublisher } from '../adapters/nats-publisher.js';
import { createNodeAgent, type NodeAgent } from './node-agent.js';
import type { CredentialStore, JoinTokenSource, KeyStore, TrustView } from './ports.js';
import { AGENT_VERSION, type AgentSettings } from './settings.js';

/**
 * The renewal-agent as a unit (what `main.ts` runs; tests start it in-process): one agent per
 * {@link AgentSpec} — one for a real node, N for a simulation — sharing one NATS connection, one
 * publisher, one set of metrics and the `renewal-agent` endpoints. `stop()` stops intake and the
 * loops and waits for queued events; the caller closes the connection.
 */

/** One node to run. */
export type AgentSpec = {
  readonly nodeId: string;
  readonly keys: KeyStore;
  readonly store: CredentialStore;
  readonly joinToken: JoinTokenSource;
};

/** Options of {@link startRenewalAgent}. */
export type StartRenewalAgentOptions = {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly agents: readonly AgentSpec[];
  readonly settings: AgentSettings;
  /** The live trust bundle. */
  readonly trust: TrustView;
  readonly log: Log;
  /** The issuer (default: `fed.issuer.*` over `nc`). */
  readonly issuer?: IssuerClient;
  /** Issuer request timeout when the default client is used (default 5 000 ms). */
  readonly requestTimeoutMs?: number;
  readonly clock?: Clock;
  /** Randomness in [0, 1) for jitter (default `Math.random`). */
  readonly random?: () => number;
  /** Registers the agent metrics when given. */
  readonly registry?: MetricsRegistry;
  /** Spread the agents' first steps over this many ms (default 0; simulations spread). */
  readonly startSpreadMs?: number;
};

/** A running renewal-agent process. */
export type RenewalAgent = {
  readonly agents: readonly NodeAgent[];
  /** The agent of `nodeId`. */
  agent(nodeId: string): NodeAgent | undefined;
  /** Ready while every agent holds a valid credential. */
  readiness(): CheckResult;
  /** Events given up after all retries (should stay 0). */
  droppedEvents(): number;
  /** Stops the endpoints and the loops, and waits for queued events (idempotent). */
  stop(): Promise<void>;
};

/** Agents created at once (keys and files are loaded concurrently within a batch). */
const CREATE_BATCH = 64;

/** Starts every agent of `options.agents`. Rejects when a key or the endpoints cannot be set up. */
export async function startRenewalAgent(options: StartRenewalAgentOptions): Promise<RenewalAgent> {
  const { log, settings } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const issuer =
    options.issuer ??
    natsIssuerClient(options.nc, { timeoutMs: options.requestTimeoutMs ?? 5_000 });
  const publisher = createNatsPublisher({ js: options.js, clock, log });
  const agents: NodeAgent[] = [];
  const metrics =
    options.registry === undefined
      ? noAttemptMetrics
      : registerAgentMetrics(options.registry, {
          sources: () => agents.map((a) => a.gauge()),
          nowS: () => clock.nowMs() / 1000,
        });

  for (let start = 0; start < options.agents.length; start += CREATE_BATCH) {
    const batch = options.agents.slice(start, start + CREATE_BATCH);
    const created = await Promise.all(
      batch.map((spec) =>
        createNodeAgent({
          nodeId: spec.nodeId,
          settings,
          keys: spec.keys,
          store: spec.store,
          joinToken: spec.joinToken,
          publisher,
          metrics,
          clock,
          log,
          random,
          issuer,
          trust: options.trust,
        }),
      ),
    );
    agents.push(...created);
  }
  const byId = new Map(agents.map((a) => [a.nodeId, a]));
  const endpoints = await registerAgentEndpoints(options.nc, agents, {
    log,
    version: settings.agentVersion,
  });

  const controller = new AbortController();
  const spread = options.startSpreadMs ?? 0;
  const runs = agents.map(async (agent) => {
    if (spread > 0) await sleep(random() * spread, controller.signal);
    if (!controller.signal.aborted) await agent.run(controller.signal);
  });
  log.info(
    { agents: agents.length, mode: settings.mode, version: AGENT_VERSION },
    'renewal agent started',
  );

  let stopping: Promise<void> | undefined;
  return {
    agents,
    agent: (nodeId) => byId.get(nodeId),
    readiness: () => {
      const invalid = agents.filter((a) => !a.valid()).length;
      return invalid === 0
        ? { ok: true }
        : {
            ok: false,
            reason: `${String(invalid)} of ${String(agents.length)} agents hold no valid credential`,
          };
    },
    droppedEvents: () => publisher.dropped(),
    stop: () => {
      stopping ??= (async () => {
        await endpoints.stop();
        controller.abort();
        await Promise.all(runs);
        await publisher.flush();
        log.info({ agents: agents.length }, 'renewal agent stopped');
      })();
      return stopping;
    },
  };
}
