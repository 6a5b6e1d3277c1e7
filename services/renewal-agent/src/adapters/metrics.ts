import type { createMetrics } from '@fedplane/runtime';
import { credentialGauges, type GaugeSource } from '../core/gauges.js';
import type { AttemptRecorder, AttemptResult } from '../shell/ports.js';

/**
 * The agent's Prometheus metrics (identity.md; names kept from the reference):
 * `ai_memory_federation_cred_max_age_seconds`, `ai_memory_federation_renewal_lag_seconds`
 * (gauges, read at scrape time; the maximum over the process's agents) and
 * `fedplane_renewal_attempts_total{result}`.
 *
 * This service does not depend on `prom-client` itself, so the three metrics are registered on
 * the runtime's registry as collector objects speaking the registry's metric protocol
 * (`name`, `help`, `type`, `aggregator`, `get()`, `reset()`). With `prom-client` as a direct
 * dependency they would be a `Gauge` and a `Counter`; the exposition is the same.
 */

/** The runtime's metrics registry (prom-client `Registry`). */
export type MetricsRegistry = ReturnType<typeof createMetrics>;

type Sample = { readonly value: number; readonly labels: Readonly<Record<string, string>> };

type Collector = {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly aggregator: 'max' | 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: Sample[];
  }>;
  reset(): void;
};

function register(registry: MetricsRegistry, collector: Collector): void {
  // A collector object is all the registry reads (see the module comment).
  registry.registerMetric(collector as unknown as Parameters<MetricsRegistry['registerMetric']>[0]);
}

function collector(spec: {
  readonly name: string;
  readonly help: string;
  readonly type: Collector['type'];
  readonly values: () => Sample[];
  readonly reset?: () => void;
}): Collector {
  const { name, help, type, values } = spec;
  const reset = spec.reset ?? (() => undefined);
  const aggregator = type === 'gauge' ? 'max' : 'sum';
  return {
    name,
    help,
    type,
    aggregator,
    get: () => Promise.resolve({ name, help, type, aggregator, values: values() }),
    reset,
  };
}

/** Every attempt result, so each counter series exists from the start. */
export const ATTEMPT_RESULTS: readonly AttemptResult[] = [
  'ok',
  'unchanged',
  'rejected',
  'refused',
  'error',
];

/** Options of {@link registerAgentMetrics}. */
export type AgentMetricsOptions = {
  /** The agents' gauge inputs, read at scrape time. */
  readonly sources: () => Iterable<GaugeSource>;
  /** Unix seconds now. */
  readonly nowS: () => number;
};

/** Registers the three metrics on `registry`; returns the attempt recorder. */
export function registerAgentMetrics(
  registry: MetricsRegistry,
  options: AgentMetricsOptions,
): AttemptRecorder {
  const gauges = (): ReturnType<typeof credentialGauges> =>
    credentialGauges(options.sources(), options.nowS());
  register(
    registry,
    collector({
      name: 'ai_memory_federation_cred_max_age_seconds',
      help: 'Age (now - not_before) of the held credential, max over the agents of this process',
      type: 'gauge',
      values: () => {
        const value = gauges().maxAgeS;
        return value === undefined ? [] : [{ value, labels: {} }];
      },
    }),
  );
  register(
    registry,
    collector({
      name: 'ai_memory_federation_renewal_lag_seconds',
      help: 'Seconds since the last credential swap, max over the agents of this process',
      type: 'gauge',
      values: () => {
        const value = gauges().lagS;
        return value === undefined ? [] : [{ value, labels: {} }];
      },
    }),
  );
  const counts = new Map<AttemptResult, number>(ATTEMPT_RESULTS.map((r) => [r, 0]));
  register(
    registry,
    collector({
      name: 'fedplane_renewal_attempts_total',
      help: 'Credential attest/renew/re-read attempts by result',
      type: 'counter',
      values: () => [...counts].map(([result, value]) => ({ value, labels: { result } })),
      reset: () => {
        for (const result of ATTEMPT_RESULTS) counts.set(result, 0);
      },
    }),
  );
  return { attempt: (result) => counts.set(result, (counts.get(result) ?? 0) + 1) };
}

/** A recorder that records nothing (no registry). */
export const noAttemptMetrics: AttemptRecorder = { attempt: () => undefined };
