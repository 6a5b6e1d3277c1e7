import { fastify, type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Log } from './logger.js';
import type { Readiness } from './readiness.js';

/**
 * The small HTTP server every service runs (operations.md "Running"): `/healthz` (200 while the
 * process runs), `/readyz` (200 only when ready, else 503 with the failing checks), `/metrics`
 * (Prometheus text from a prom-client registry).
 */

/** Options of {@link createMetrics}. */
export type MetricsOptions = {
  /** Labels added to every metric (e.g. `{service, instance}`). */
  readonly defaultLabels?: Readonly<Record<string, string>>;
};

/**
 * A prom-client registry with the default Node.js and process metrics (CPU, heap, event-loop lag,
 * `process_resident_memory_bytes`, ...). Services register their own metrics on it.
 */
export function createMetrics(options: MetricsOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels !== undefined) registry.setDefaultLabels({ ...options.defaultLabels });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Dependencies of {@link buildHealthApp}. */
export type HealthAppOptions = {
  readonly registry: Registry;
  readonly readiness: Readiness;
};

/**
 * The fastify app with the three routes, not listening (tests call `app.inject`). No request
 * logging: probes arrive every few seconds.
 */
export function buildHealthApp(options: HealthAppOptions): FastifyInstance {
  const app = fastify({ logger: false });
  app.get('/healthz', async (_req, reply) => reply.code(200).send({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const report = options.readiness.evaluate();
    return reply.code(report.ready ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_req, reply) => {
    const text = await options.registry.metrics();
    return reply.code(200).header('content-type', options.registry.contentType).send(text);
  });
  return app;
}

/** Options of {@link startHealthServer}. */
export type HealthServerOptions = HealthAppOptions & {
  /** Port to listen on (0 = any free port). */
  readonly port: number;
  /** Address to bind (default `0.0.0.0`). */
  readonly host?: string;
  readonly log: Log;
};

/** A listening health server. */
export type HealthServer = {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  readonly app: FastifyInstance;
  /** Stops listening; in-flight probes finish. */
  close(): Promise<void>;
};

/** Builds the health app and listens on `host:port`. Rejects when the port cannot be bound. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const app = buildHealthApp(options);
  const host = options.host ?? '0.0.0.0';
  await app.listen({ port: options.port, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  options.log.info({ port, host }, 'health server listening');
  return {
    port,
    app,
    close: async () => {
      await app.close();
      options.log.info({ port }, 'health server closed');
    },
  };
}
