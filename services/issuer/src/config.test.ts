import { describeEnv } from '@fedplane/runtime';
import { describe, expect, it } from 'vitest';
import { IssuerEnvSchema, loadIssuerConfig } from './config.js';

const BASE = { ISSUER_TRUST_DOMAIN: 'fleet.example', DATABASE_URL: 'postgres://db/issuer' };

describe('loadIssuerConfig', () => {
  it('applies the documented defaults', () => {
    const r = loadIssuerConfig(BASE);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      issuerId: 'root',
      trustDomain: 'fleet.example',
      keyDir: '.fedplane/issuer-keys',
      leafTtlS: 3600,
      joinTokenTtlMs: 3_600_000,
      intermediateTtlS: 86_400,
      refreshHintS: 60,
      databaseUrl: 'postgres://db/issuer',
    });
    expect(r.value.keyFile).toBeUndefined();
    expect(r.value.serviceSecretsFile).toBeUndefined();
  });

  it('reads every issuer variable', () => {
    const r = loadIssuerConfig({
      ...BASE,
      ISSUER_ID: 'ca-1',
      ISSUER_KEY_DIR: '/keys',
      ISSUER_KEY_FILE: '/run/secrets/issuer',
      ISSUER_LEAF_TTL: '30m',
      ISSUER_JOIN_TOKEN_TTL: '10m',
      ISSUER_SERVICE_SECRETS_FILE: '/run/secrets/services.json',
      ISSUER_REFRESH_HINT_S: '5',
    });
    expect(r.ok && r.value).toMatchObject({
      issuerId: 'ca-1',
      keyDir: '/keys',
      keyFile: '/run/secrets/issuer',
      leafTtlS: 1800,
      joinTokenTtlMs: 600_000,
      serviceSecretsFile: '/run/secrets/services.json',
      refreshHintS: 5,
    });
  });

  it('lists every problem at once', () => {
    const r = loadIssuerConfig({
      ISSUER_ID: 'a/b',
      ISSUER_LEAF_TTL: 'forever',
      ISSUER_REFRESH_HINT_S: '0',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.error.problems.join('\n');
    for (const name of [
      'DATABASE_URL',
      'ISSUER_TRUST_DOMAIN',
      'ISSUER_ID',
      'ISSUER_LEAF_TTL',
      'ISSUER_REFRESH_HINT_S',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('refuses sub-second TTLs and an issuer id with "..", spaces or slashes', () => {
    expect(loadIssuerConfig({ ...BASE, ISSUER_LEAF_TTL: '1500ms' }).ok).toBe(false);
    expect(loadIssuerConfig({ ...BASE, ISSUER_JOIN_TOKEN_TTL: '500ms' }).ok).toBe(false);
    for (const id of ['a..b', 'a b', 'x/y'])
      expect(loadIssuerConfig({ ...BASE, ISSUER_ID: id }).ok).toBe(false);
  });

  it('documents every variable and marks DATABASE_URL secret', () => {
    const rows = describeEnv(IssuerEnvSchema);
    const names = rows.map((r) => r.name);
    for (const name of [
      'ISSUER_ID',
      'ISSUER_TRUST_DOMAIN',
      'ISSUER_KEY_DIR',
      'ISSUER_KEY_FILE',
      'ISSUER_LEAF_TTL',
      'ISSUER_JOIN_TOKEN_TTL',
      'ISSUER_SERVICE_SECRETS_FILE',
      'ISSUER_REFRESH_HINT_S',
    ]) {
      expect(names).toContain(name);
      expect(rows.find((r) => r.name === name)?.description).not.toBe('');
    }
    expect(rows.find((r) => r.name === 'DATABASE_URL')).toMatchObject({
      secret: true,
      required: true,
    });
  });
});
