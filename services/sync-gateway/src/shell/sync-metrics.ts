/**
 * The engine's metrics as plain counters (sync.md, Events and metrics); `adapters/metrics.ts`
 * exposes them on the runtime's Prometheus registry under the design's names.
 */

/** Upper bounds (seconds) of the quorum latency histogram. */
export const QUORUM_LATENCY_BUCKETS_S: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Live counters and gauges of one gateway. */
export type SyncMetrics = {
  /** `fedplane_sync_applied_total{path}`: records written to the replica. */
  readonly applied: { local: number; stream: number; snapshot: number; replay: number };
  /** `ai_memory_federation_partial_quorum_total`: pushes answered 202. */
  partialQuorum: number;
  /** `fedplane_sync_quorum_latency_seconds` bucket counts (cumulative at exposition). */
  readonly latencyBuckets: number[];
  latencySum: number;
  latencyCount: number;
  /** `fedplane_sync_consumer_lag`: pending messages of this gateway's consumer. */
  consumerLag: number;
  /** `fedplane_sync_dlq_depth`: entries on `fed.sync.dlq.<node>`. */
  dlqDepth: number;
  /** Records dead-lettered by class (`fedplane_sync_dlq_added_total{class}`). */
  readonly dlqAdded: Map<string, number>;
};

/** Fresh zeroed metrics. */
export function createSyncMetrics(): SyncMetrics {
  return {
    applied: { local: 0, stream: 0, snapshot: 0, replay: 0 },
    partialQuorum: 0,
    latencyBuckets: QUORUM_LATENCY_BUCKETS_S.map(() => 0),
    latencySum: 0,
    latencyCount: 0,
    consumerLag: 0,
    dlqDepth: 0,
    dlqAdded: new Map(),
  };
}

/** Records one quorum latency observation (seconds). */
export function observeQuorumLatency(metrics: SyncMetrics, seconds: number): void {
  const index = QUORUM_LATENCY_BUCKETS_S.findIndex((bound) => seconds <= bound);
  if (index >= 0) metrics.latencyBuckets[index] = (metrics.latencyBuckets[index] ?? 0) + 1;
  metrics.latencySum += seconds;
  metrics.latencyCount += 1;
}
