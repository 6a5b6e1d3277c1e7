import { createMetrics } from '@fedplane/runtime';
import { describe, expect, it } from 'vitest';
import { registerAgentMetrics } from './metrics.js';

describe('registerAgentMetrics', () => {
  it('exposes the reference gauges and the attempt counter in the Prometheus text', async () => {
    const registry = createMetrics();
    let sources = [{ notBefore: 1000 - 1234, lastRenewS: 1000 - 7 }];
    const recorder = registerAgentMetrics(registry, { sources: () => sources, nowS: () => 1000 });
    recorder.attempt('ok');
    recorder.attempt('error');
    recorder.attempt('error');
    const text = await registry.metrics();
    expect(text).toContain('# TYPE ai_memory_federation_cred_max_age_seconds gauge');
    expect(text).toContain('ai_memory_federation_cred_max_age_seconds 1234');
    expect(text).toContain('ai_memory_federation_renewal_lag_seconds 7');
    expect(text).toContain('# TYPE fedplane_renewal_attempts_total counter');
    expect(text).toContain('fedplane_renewal_attempts_total{result="ok"} 1');
    expect(text).toContain('fedplane_renewal_attempts_total{result="error"} 2');
    expect(text).toContain('fedplane_renewal_attempts_total{result="refused"} 0');
    sources = [];
    const empty = await registry.metrics();
    expect(empty).not.toMatch(/^ai_memory_federation_cred_max_age_seconds /m);
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('fedplane_renewal_attempts_total{result="error"} 0');
  });

  it('carries the registry default labels', async () => {
    const registry = createMetrics({ defaultLabels: { service: 'renewal-agent' } });
    registerAgentMetrics(registry, {
      sources: () => [{ notBefore: 0, lastRenewS: 0 }],
      nowS: () => 5,
    });
    expect(await registry.metrics()).toContain(
      'ai_memory_federation_cred_max_age_seconds{service="renewal-agent"} 5',
    );
  });
});
