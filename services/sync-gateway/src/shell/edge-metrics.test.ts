import { createMetrics } from '@fedplane/runtime';
import { describe, expect, it } from 'vitest';
import { createEdgeMetrics } from './edge-metrics.js';

describe('createEdgeMetrics', () => {
  it('counts and exposes the reference names on the runtime registry', async () => {
    const registry = createMetrics();
    const metrics = createEdgeMetrics(registry);
    metrics.inboundCred('signed');
    metrics.inboundCred('signed');
    metrics.inboundCred('unsigned');
    metrics.credVerify('ok');
    metrics.credVerify('fail');
    metrics.request({ transport: 'http', route: 'push', outcome: 'refused' });
    metrics.request({ transport: 'http', route: 'push', outcome: 'refused' });
    metrics.request({ transport: 'nats', route: 'since', outcome: 'verified' });
    const text = await registry.metrics();
    expect(text).toContain('ai_memory_federation_inbound_cred_total{presence="signed"} 2');
    expect(text).toContain('ai_memory_federation_inbound_cred_total{presence="unsigned"} 1');
    expect(text).toContain('ai_memory_federation_cred_verify_total{result="ok"} 1');
    expect(text).toContain('ai_memory_federation_cred_verify_total{result="fail"} 1');
    expect(text).toContain(
      'fedplane_sync_edge_requests_total{transport="http",route="push",outcome="refused"} 2',
    );
    expect(text).toContain('# TYPE ai_memory_federation_cred_verify_total counter');
    expect(metrics.counts()).toEqual({
      inboundCred: { signed: 2, unsigned: 1 },
      credVerify: { ok: 1, fail: 1 },
      requests: {
        'transport=http,route=push,outcome=refused': 2,
        'transport=nats,route=since,outcome=verified': 1,
      },
    });
  });

  it('counts without a registry', () => {
    const metrics = createEdgeMetrics();
    metrics.credVerify('fail');
    expect(metrics.counts().credVerify).toEqual({ ok: 0, fail: 1 });
  });
});
