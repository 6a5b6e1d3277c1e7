import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const DB = 'postgres://auditor@db:5432/audit';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const result = loadConfig({ DATABASE_URL: DB, INSTANCE_ID: 'a-1' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({
      settings: { batch: 500, batchWaitMs: 20, checkpointIntervalMs: 10_000, leaseTtlMs: 10_000 },
      databaseUrl: DB,
      natsServers: ['nats://127.0.0.1:4222'],
      instance: 'a-1',
      dbPoolSize: 4,
    });
  });

  it('reads every AUDITOR_* variable', () => {
    const result = loadConfig({
      DATABASE_URL: DB,
      NATS_URL: 'nats://a:4222,nats://b:4222',
      AUDITOR_BATCH: '100',
      AUDITOR_BATCH_WAIT_MS: '5',
      AUDITOR_CHECKPOINT_INTERVAL: '2s',
      AUDITOR_LEASE_TTL: '30s',
      AUDITOR_DB_POOL: '8',
    });
    expect(result.ok && result.value.settings).toEqual({
      batch: 100,
      batchWaitMs: 5,
      checkpointIntervalMs: 2_000,
      leaseTtlMs: 30_000,
    });
    expect(result.ok && result.value.natsServers).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(result.ok && result.value.dbPoolSize).toBe(8);
  });

  it('lists every problem, DATABASE_URL included', () => {
    const result = loadConfig({
      AUDITOR_BATCH: '0',
      AUDITOR_BATCH_WAIT_MS: 'soon',
      AUDITOR_LEASE_TTL: '10',
      AUDITOR_CHECKPOINT_INTERVAL: '1ms',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.error.problems.join('\n');
    for (const name of [
      'DATABASE_URL',
      'AUDITOR_BATCH',
      'AUDITOR_BATCH_WAIT_MS',
      'AUDITOR_LEASE_TTL',
      'AUDITOR_CHECKPOINT_INTERVAL',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('refuses a DATABASE_URL that is not postgres', () => {
    expect(loadConfig({ DATABASE_URL: 'mysql://x/y' }).ok).toBe(false);
  });
});
