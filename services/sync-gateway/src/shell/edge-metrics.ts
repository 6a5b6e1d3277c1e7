import type { createMetrics } from '@fedplane/runtime';
import type { CredentialPresence } from '../core/request-auth.js';

/**
 * The edge's counters (sync.md "Events and metrics"; names kept from the reference §3.7):
 * `ai_memory_federation_inbound_cred_total{presence=signed|unsigned}` (every request, by whether a
 * credential header was sent), `ai_memory_federation_cred_verify_total{result=ok|fail}` (every
 * credential checked against a non-empty bundle) and
 * `fedplane_sync_edge_requests_total{transport,route,outcome=verified|unverified|refused}`
 * (`unverified` = accepted under the permissive posture without a full verification).
 *
 * This service does not depend on `prom-client`, so the counters are registered on the runtime's
 * registry as collector objects speaking the registry's metric protocol (as the renewal-agent
 * does); the exposition is that of a prom-client `Counter`.
 */

/** The runtime's metrics registry (prom-client `Registry`). */
export type MetricsRegistry = ReturnType<typeof createMetrics>;

/** How a request reached the edge. */
export type EdgeTransport = 'http' | 'nats';
/** Which operation. */
export type EdgeRoute = 'push' | 'since';
/** How authentication ended. */
export type EdgeOutcome = 'verified' | 'unverified' | 'refused';

/** Labels of one request count. */
export type EdgeRequestLabels = {
  readonly transport: EdgeTransport;
  readonly route: EdgeRoute;
  readonly outcome: EdgeOutcome;
};

/** Current counter values (tests, logs). Keys are `label=value[,…]` strings. */
export type EdgeCounts = {
  readonly inboundCred: Readonly<Record<CredentialPresence, number>>;
  readonly credVerify: Readonly<Record<'ok' | 'fail', number>>;
  readonly requests: Readonly<Record<string, number>>;
};

/** The recorder the edge calls. */
export type EdgeMetrics = {
  inboundCred(presence: CredentialPresence): void;
  credVerify(result: 'ok' | 'fail'): void;
  request(labels: EdgeRequestLabels): void;
  counts(): EdgeCounts;
};

type Sample = { readonly value: number; readonly labels: Readonly<Record<string, string>> };

function register(
  registry: MetricsRegistry,
  spec: { readonly name: string; readonly help: string; readonly values: () => Sample[] },
): void {
  const { name, help, values } = spec;
  const collector = {
    name,
    help,
    type: 'counter',
    aggregator: 'sum',
    get: () =>
      Promise.resolve({ name, help, type: 'counter', aggregator: 'sum', values: values() }),
    reset: () => undefined,
  };
  // A collector object is all the registry reads (see the module comment).
  registry.registerMetric(collector as unknown as Parameters<MetricsRegistry['registerMetric']>[0]);
}

/** The key of one request series in {@link EdgeCounts.requests}. */
export function requestKey(labels: EdgeRequestLabels): string {
  return `transport=${labels.transport},route=${labels.route},outcome=${labels.outcome}`;
}

/**
 * Creates the counters, registered on `registry` when one is given (at most once per registry:
 * share one recorder between the HTTP and NATS edges).
 */
export function createEdgeMetrics(registry?: MetricsRegistry): EdgeMetrics {
  const inbound: Record<CredentialPresence, number> = { signed: 0, unsigned: 0 };
  const verify: Record<'ok' | 'fail', number> = { ok: 0, fail: 0 };
  const requests = new Map<string, { labels: EdgeRequestLabels; value: number }>();
  if (registry !== undefined) {
    register(registry, {
      name: 'ai_memory_federation_inbound_cred_total',
      help: 'Inbound sync requests by whether they carried a credential',
      values: () =>
        Object.entries(inbound).map(([presence, value]) => ({ value, labels: { presence } })),
    });
    register(registry, {
      name: 'ai_memory_federation_cred_verify_total',
      help: 'Inbound credentials checked against the trust bundle, by result',
      values: () =>
        Object.entries(verify).map(([result, value]) => ({ value, labels: { result } })),
    });
    register(registry, {
      name: 'fedplane_sync_edge_requests_total',
      help: 'Sync requests by transport, route and authentication outcome',
      values: () => [...requests.values()].map(({ labels, value }) => ({ value, labels })),
    });
  }
  return {
    inboundCred: (presence) => {
      inbound[presence] += 1;
    },
    credVerify: (result) => {
      verify[result] += 1;
    },
    request: (labels) => {
      const key = requestKey(labels);
      const series = requests.get(key) ?? { labels: { ...labels }, value: 0 };
      series.value += 1;
      requests.set(key, series);
    },
    counts: () => ({
      inboundCred: { ...inbound },
      credVerify: { ...verify },
      requests: Object.fromEntries([...requests].map(([key, { value }]) => [key, value])),
    }),
  };
}
