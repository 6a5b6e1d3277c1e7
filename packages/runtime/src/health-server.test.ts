import { afterEach, describe, expect, it } from 'vitest';
import {
  buildHealthApp,
  createMetrics,
  startHealthServer,
  type HealthServer,
} from './health-server.js';
import { silentLog } from './logger.js';
import { createReadiness } from './readiness.js';

describe('readiness', () => {
  it('is ready with no checks, fails with a failing check, and stays false once draining', () => {
    const readiness = createReadiness();
    expect(readiness.evaluate()).toEqual({ ready: true, draining: false, failing: [] });
    let natsUp = false;
    readiness.add('nats', () => (natsUp ? { ok: true } : { ok: false, reason: 'disconnected' }));
    readiness.add('broken', () => {
      throw new Error('bug');
    });
    expect(readiness.evaluate()).toEqual({
      ready: false,
      draining: false,
      failing: [
        { name: 'nats', reason: 'disconnected' },
        { name: 'broken', reason: 'check threw' },
      ],
    });
    natsUp = true;
    readiness.remove('broken');
    expect(readiness.evaluate().ready).toBe(true);
    readiness.setDraining();
    expect(readiness.draining).toBe(true);
    expect(readiness.evaluate()).toEqual({ ready: false, draining: true, failing: [] });
  });
});

describe('health app', () => {
  it('answers /healthz, /readyz and /metrics', async () => {
    const registry = createMetrics({ defaultLabels: { service: 'test' } });
    const readiness = createReadiness();
    const app = buildHealthApp({ registry, readiness });
    try {
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toEqual({ status: 'ok' });

      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      readiness.add('credential', () => ({ ok: false, reason: 'expired' }));
      const notReady = await app.inject({ method: 'GET', url: '/readyz' });
      expect(notReady.statusCode).toBe(503);
      expect(notReady.json()).toEqual({
        ready: false,
        draining: false,
        failing: [{ name: 'credential', reason: 'expired' }],
      });
      readiness.remove('credential');
      readiness.setDraining();
      const draining = await app.inject({ method: 'GET', url: '/readyz' });
      expect(draining.statusCode).toBe(503);
      expect(draining.json()).toMatchObject({ draining: true });
      // Liveness is unaffected by draining.
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.headers['content-type']).toContain('text/plain');
      expect(metrics.body).toMatch(/^process_resident_memory_bytes\{service="test"\} \d+/m);
      expect(metrics.body).toContain('nodejs_eventloop_lag_seconds');
    } finally {
      await app.close();
    }
  });
});

describe('startHealthServer', () => {
  let server: HealthServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('listens on a free port and serves over HTTP', async () => {
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      log: silentLog,
      registry: createMetrics(),
      readiness: createReadiness(),
    });
    expect(server.port).toBeGreaterThan(0);
    const response = await fetch(`http://127.0.0.1:${String(server.port)}/readyz`);
    expect(response.status).toBe(200);
  });

  it('rejects when the port is taken', async () => {
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      log: silentLog,
      registry: createMetrics(),
      readiness: createReadiness(),
    });
    await expect(
      startHealthServer({
        port: server.port,
        host: '127.0.0.1',
        log: silentLog,
        registry: createMetrics(),
        readiness: createReadiness(),
      }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
