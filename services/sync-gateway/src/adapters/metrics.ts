import type { createMetrics } from '@fedplane/runtime';
import { QUORUM_LATENCY_BUCKETS_S, type SyncMetrics } from '../shell/sync-metrics.js';

/**
 * Exposes the engine's {@link SyncMetrics} on the runtime's Prometheus registry (sync.md, Events
 * and metrics): `ai_memory_federation_partial_quorum_total`, `fedplane_sync_applied_total{path}`,
 * `fedplane_sync_quorum_latency_seconds` (histogram), `fedplane_sync_consumer_lag`,
 * `fedplane_sync_dlq_depth`, `fedplane_sync_dlq_added_total{class}`. Like the renewal-agent, this
 * service does not depend on `prom-client` itself: the metrics are collector objects speaking the
 * registry's metric protocol, read at scrape time.
 */

/** The runtime's metrics registry (prom-client `Registry`). */
export type MetricsRegistry = ReturnType<typeof createMetrics>;

type Sample = {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
};

function register(
  registry: MetricsRegistry,
  spec: { name: string; help: string; type: string; values: () => Sample[] },
): void {
  const { name, help, type } = spec;
  const aggregator = 'sum';
  const collector = {
    name,
    help,
    type,
    aggregator,
    get: () => Promise.resolve({ name, help, type, aggregator, values: spec.values() }),
    reset: () => undefined,
  };
  registry.registerMetric(collector as unknown as Parameters<MetricsRegistry['registerMetric']>[0]);
}

/** Registers the engine metrics. */
export function registerSyncMetrics(registry: MetricsRegistry, metrics: SyncMetrics): void {
  register(registry, {
    name: 'ai_memory_federation_partial_quorum_total',
    help: 'Pushes committed locally without reaching quorum in time (answered 202)',
    type: 'counter',
    values: () => [{ value: metrics.partialQuorum, labels: {} }],
  });
  register(registry, {
    name: 'fedplane_sync_applied_total',
    help: 'Records written to the replica, by path',
    type: 'counter',
    values: () =>
      Object.entries(metrics.applied).map(([path, value]) => ({ value, labels: { path } })),
  });
  register(registry, {
    name: 'fedplane_sync_quorum_latency_seconds',
    help: 'Time from push start to quorum met or deadline',
    type: 'histogram',
    values: () => {
      let cumulative = 0;
      const samples: Sample[] = QUORUM_LATENCY_BUCKETS_S.map((le, i) => {
        cumulative += metrics.latencyBuckets[i] ?? 0;
        return {
          value: cumulative,
          labels: { le },
          metricName: 'fedplane_sync_quorum_latency_seconds_bucket',
        };
      });
      samples.push(
        {
          value: metrics.latencyCount,
          labels: { le: '+Inf' },
          metricName: 'fedplane_sync_quorum_latency_seconds_bucket',
        },
        {
          value: metrics.latencySum,
          labels: {},
          metricName: 'fedplane_sync_quorum_latency_seconds_sum',
        },
        {
          value: metrics.latencyCount,
          labels: {},
          metricName: 'fedplane_sync_quorum_latency_seconds_count',
        },
      );
      return samples;
    },
  });
  register(registry, {
    name: 'fedplane_sync_consumer_lag',
    help: "Messages pending on this gateway's FED_SYNC consumer",
    type: 'gauge',
    values: () => [{ value: metrics.consumerLag, labels: {} }],
  });
  register(registry, {
    name: 'fedplane_sync_dlq_depth',
    help: 'Records this gateway dead-lettered since start (fed.sync.dlq.<node>)',
    type: 'gauge',
    values: () => [{ value: metrics.dlqDepth, labels: {} }],
  });
  register(registry, {
    name: 'fedplane_sync_dlq_added_total',
    help: 'Records dead-lettered, by class',
    type: 'counter',
    values: () => [...metrics.dlqAdded].map(([cls, value]) => ({ value, labels: { class: cls } })),
  });
}
