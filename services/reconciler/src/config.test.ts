import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const result = loadConfig({ INSTANCE_ID: 'r-1' });
    expect(result.ok && result.value.settings).toEqual({
      intervalMs: 10_000,
      debounceMs: 500,
      statusTtlMs: 60_000,
      minRemainingS: 120,
      shrinkGuard: 0.3,
      autoDecommission: false,
      inventoryPath: undefined,
      leaseTtlMs: 10_000,
      retryMs: 300_000,
      requestTimeoutMs: 5_000,
    });
    expect(result.ok && result.value.instance).toBe('r-1');
  });

  it('reads every RECONCILER_* variable', () => {
    const result = loadConfig({
      RECONCILER_INTERVAL: '2s',
      RECONCILER_DEBOUNCE: '10ms',
      RECONCILER_STATUS_TTL: '30s',
      RECONCILER_MIN_REMAINING: '1m',
      RECONCILER_SHRINK_GUARD: '0.5',
      RECONCILER_AUTO_DECOMMISSION: 'true',
      RECONCILER_INVENTORY_PATH: '/etc/fedplane/inventory.yaml',
      RECONCILER_LEASE_TTL: '3s',
      RECONCILER_ACTION_RETRY: '1m',
      RECONCILER_REQUEST_TIMEOUT: '2s',
    });
    expect(result.ok && result.value.settings).toEqual({
      intervalMs: 2_000,
      debounceMs: 10,
      statusTtlMs: 30_000,
      minRemainingS: 60,
      shrinkGuard: 0.5,
      autoDecommission: true,
      inventoryPath: '/etc/fedplane/inventory.yaml',
      leaseTtlMs: 3_000,
      retryMs: 60_000,
      requestTimeoutMs: 2_000,
    });
  });

  it.each([['1.5'], ['-0.1'], ['30%'], ['abc']])('refuses RECONCILER_SHRINK_GUARD=%s', (value) => {
    const result = loadConfig({ RECONCILER_SHRINK_GUARD: value });
    expect(result.ok).toBe(false);
  });

  it('lists every problem', () => {
    const result = loadConfig({ RECONCILER_INTERVAL: '10', RECONCILER_LEASE_TTL: 'soon' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.error.message;
    expect(text).toContain('RECONCILER_INTERVAL');
    expect(text).toContain('RECONCILER_LEASE_TTL');
  });
});
