import { describeEnv } from '@fedplane/runtime';
import { describe, expect, it } from 'vitest';
import { RenewalAgentEnvSchema, applyArgv, loadConfig } from './config.js';

const TOKEN = 'abcdefghijklmnopqrstuvwxyz012345';
const NODE_ENV = {
  FED_NODE_ID: 'region/nyc/node-1',
  FED_KEY_PATH: '/var/lib/fedplane/node.key',
  FED_CRED_PATH: '/var/lib/fedplane/cred',
};

function problems(env: Record<string, string>): string[] {
  const result = loadConfig(env);
  return result.ok ? [] : [...result.error.problems];
}

describe('loadConfig', () => {
  it('a node with defaults', () => {
    const result = loadConfig({ ...NODE_ENV, FED_JOIN_TOKEN: TOKEN });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const config = result.value;
    expect(config.node).toEqual({
      nodeId: 'region/nyc/node-1',
      keyPath: '/var/lib/fedplane/node.key',
      credPath: '/var/lib/fedplane/cred',
      chainPath: '/var/lib/fedplane/cred.chain',
      joinToken: { kind: 'value', token: TOKEN },
    });
    expect(config.simulate).toBeUndefined();
    expect(config.settings).toMatchObject({
      mode: 'issuer',
      policy: {
        renewBeforeS: 900,
        minBackoffS: 1,
        maxBackoffS: 300,
        backoffFractionOfRemaining: 0.25,
      },
      maxAttestBackoffS: 30,
      rotateKey: false,
      statusIntervalMs: 15_000,
      fileIntervalMs: 60_000,
    });
    expect(config.trustSource).toBe('kv');
    expect(config.requestTimeoutMs).toBe(5_000);
    expect(config.clockSkewMs).toBe(0);
  });

  it('takes a test-only clock skew, negative or positive, bounded to an hour', () => {
    for (const skew of ['-45000', '45000']) {
      const result = loadConfig({ ...NODE_ENV, FED_CLOCK_SKEW_MS: skew });
      expect(result.ok && result.value.clockSkewMs).toBe(Number(skew));
    }
    expect(problems({ ...NODE_ENV, FED_CLOCK_SKEW_MS: '3600001' })).toHaveLength(1);
    expect(problems({ ...NODE_ENV, FED_CLOCK_SKEW_MS: '45s' })).toHaveLength(1);
  });

  it('every variable can be set', () => {
    const result = loadConfig({
      ...NODE_ENV,
      FED_CRED_CHAIN_PATH: '/x/chain',
      FED_JOIN_TOKEN_FILE: '/x/token',
      RENEWAL_MODE: 'file',
      FED_RENEW_BEFORE: '2m',
      FED_STATUS_INTERVAL: '500ms',
      FED_ROTATE_KEY: 'true',
      FED_TRUST_SOURCE: 'issuer',
      RENEWAL_FILE_INTERVAL: '5s',
      RENEWAL_MIN_BACKOFF: '2s',
      RENEWAL_MAX_BACKOFF: '1m',
      RENEWAL_ATTEST_MAX_BACKOFF: '10s',
      RENEWAL_REQUEST_TIMEOUT: '2s',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.node?.chainPath).toBe('/x/chain');
    expect(result.value.node?.joinToken).toEqual({ kind: 'file', path: '/x/token' });
    expect(result.value.settings).toMatchObject({
      mode: 'file',
      policy: { renewBeforeS: 120, minBackoffS: 2, maxBackoffS: 60 },
      maxAttestBackoffS: 10,
      rotateKey: true,
      statusIntervalMs: 500,
      fileIntervalMs: 5_000,
    });
    expect(result.value.trustSource).toBe('issuer');
    expect(result.value.requestTimeoutMs).toBe(2_000);
  });

  it('lists every problem', () => {
    expect(problems({})).toEqual(
      expect.arrayContaining([
        expect.stringContaining('FED_NODE_ID'),
        expect.stringContaining('FED_KEY_PATH'),
        expect.stringContaining('FED_CRED_PATH'),
      ]),
    );
    // Field problems first (zod runs the cross-field checks once every field parses) ...
    const fields = problems({ ...NODE_ENV, RENEWAL_MODE: 'magic', FED_STATUS_INTERVAL: 'often' });
    expect(fields.join('\n')).toContain('RENEWAL_MODE');
    expect(fields.join('\n')).toContain('FED_STATUS_INTERVAL');
    // ... then every cross-field problem at once.
    const bad = problems({
      ...NODE_ENV,
      FED_NODE_ID: '../etc',
      FED_JOIN_TOKEN: 'short',
      FED_JOIN_TOKEN_FILE: '/x',
      RENEWAL_MIN_BACKOFF: '10s',
      RENEWAL_MAX_BACKOFF: '5s',
    });
    for (const name of [
      'FED_NODE_ID',
      'FED_JOIN_TOKEN',
      'FED_JOIN_TOKEN_FILE',
      'RENEWAL_MAX_BACKOFF',
    ]) {
      expect(bad.join('\n')).toContain(name);
    }
  });

  it('a simulation needs no node but join tokens, and runs issuer mode only', () => {
    const ok = loadConfig({ RENEWAL_AGENT_SIMULATE: '50', RENEWAL_AGENT_SIMULATE_ENROLL: 'true' });
    expect(ok.ok && ok.value.simulate).toEqual({
      count: 50,
      prefix: 'sim',
      enroll: true,
      spreadMs: 50,
    });
    const spread = loadConfig({
      RENEWAL_AGENT_SIMULATE: '50000',
      RENEWAL_AGENT_SIMULATE_ENROLL: 'true',
    });
    expect(spread.ok && spread.value.simulate?.spreadMs).toBe(10_000);
    const slow = loadConfig({
      RENEWAL_AGENT_SIMULATE: '5',
      RENEWAL_AGENT_SIMULATE_ENROLL: 'true',
      RENEWAL_AGENT_SIMULATE_SPREAD: '1m',
    });
    expect(slow.ok && slow.value.simulate?.spreadMs).toBe(60_000);
    expect(ok.ok && ok.value.node).toBeUndefined();
    const withFile = loadConfig({
      RENEWAL_AGENT_SIMULATE: '3',
      RENEWAL_AGENT_SIMULATE_TOKENS: '/x/tokens',
      RENEWAL_AGENT_SIMULATE_PREFIX: 'load/a',
    });
    expect(withFile.ok && withFile.value.simulate).toEqual({
      count: 3,
      prefix: 'load/a',
      enroll: false,
      spreadMs: 3,
      tokensFile: '/x/tokens',
    });
    const bad = problems({
      RENEWAL_AGENT_SIMULATE: '2',
      RENEWAL_MODE: 'file',
      RENEWAL_AGENT_SIMULATE_PREFIX: '/abs',
    }).join('\n');
    expect(bad).toContain('RENEWAL_MODE');
    expect(bad).toContain('RENEWAL_AGENT_SIMULATE_TOKENS');
    expect(bad).toContain('RENEWAL_AGENT_SIMULATE_PREFIX');
  });

  it('documents every variable', () => {
    const rows = describeEnv(RenewalAgentEnvSchema);
    const names = rows.map((r) => r.name);
    for (const name of [
      'FED_NODE_ID',
      'FED_KEY_PATH',
      'FED_CRED_PATH',
      'FED_CRED_CHAIN_PATH',
      'FED_JOIN_TOKEN',
      'FED_JOIN_TOKEN_FILE',
      'RENEWAL_MODE',
      'FED_RENEW_BEFORE',
      'FED_STATUS_INTERVAL',
      'RENEWAL_AGENT_SIMULATE',
    ]) {
      expect(names).toContain(name);
    }
    expect(rows.every((r) => r.description !== '')).toBe(true);
    expect(rows.find((r) => r.name === 'FED_JOIN_TOKEN')?.secret).toBe(true);
  });
});

describe('applyArgv', () => {
  it('--simulate N sets RENEWAL_AGENT_SIMULATE', () => {
    expect(applyArgv({}, ['--simulate', '50'])).toEqual({
      ok: true,
      value: { RENEWAL_AGENT_SIMULATE: '50' },
    });
    expect(applyArgv({ A: 'b' }, [])).toEqual({ ok: true, value: { A: 'b' } });
  });

  it.each([['--simulate', 'many'], ['--bogus'], ['extra']])('refuses %j', (...argv) => {
    expect(applyArgv({}, argv).ok).toBe(false);
  });
});
