import { describe, expect, it } from 'vitest';
import { loadConfig, loadSecrets, type ApprovalsEnv } from './config.js';

const BASE = { DATABASE_URL: 'postgres://u@127.0.0.1/db', INSTANCE_ID: 'a-1' };

function env(extra: Record<string, string> = {}): ApprovalsEnv {
  const result = loadConfig({ ...BASE, ...extra });
  if (!result.ok) throw result.error;
  return result.value.env;
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const result = loadConfig(BASE);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.settings).toEqual({
      defaultTimeoutS: 86_400,
      sessionTtlMs: 8 * 3_600_000,
      configuredRules: [],
      sweepIntervalMs: 60_000,
      leaseTtlMs: 10_000,
      sseBufferFrames: 1_024,
      keepaliveMs: 15_000,
    });
    expect(result.value.http).toEqual({ port: 8090, host: '0.0.0.0' });
  });

  it('parses configured rules and refuses bad ones with every problem listed', () => {
    const rules = JSON.stringify([
      { action_type: '*', namespace: 'prod/**', agent: '**', decision: 'deny' },
      { action_type: 'enable_strict', namespace: 'fleet/*', agent: 'ops/*', decision: 'approve' },
    ]);
    expect(env({ APPROVALS_RULES: rules }).APPROVALS_RULES).toHaveLength(2);
    const bad = loadConfig({
      ...BASE,
      APPROVALS_RULES: '[{"action_type":"nope","namespace":"a*b","agent":"**","decision":"x"}]',
      APPROVALS_SSE_BUFFER: '0',
    });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.problems.some((p) => p.includes('APPROVALS_RULES'))).toBe(true);
    expect(bad.error.problems.some((p) => p.includes('APPROVALS_SSE_BUFFER'))).toBe(true);
    expect(loadConfig({ ...BASE, APPROVALS_RULES: 'not json' }).ok).toBe(false);
  });

  it('requires DATABASE_URL', () => {
    expect(loadConfig({ INSTANCE_ID: 'a-1' }).ok).toBe(false);
  });
});

describe('loadSecrets', () => {
  const files: Record<string, string> = {
    '/keys': 'key-one-0123456789abcdef\n\nkey-two-0123456789abcdef\n',
    '/secret': 'file-secret-0123456789\n',
  };
  const read = (path: string): Promise<string> => {
    const text = files[path];
    return text === undefined ? Promise.reject(new Error('ENOENT')) : Promise.resolve(text);
  };

  it('reads inline values exactly and files without their trailing newline', async () => {
    const inline = await loadSecrets(
      env({
        APPROVALS_API_KEYS: 'key-one-0123456789abcdef, key-two-0123456789abcdef',
        APPROVALS_HMAC_SECRET: ' inline secret 0123456 ',
      }),
      read,
    );
    expect(inline).toEqual({
      ok: true,
      value: {
        apiKeys: ['key-one-0123456789abcdef', 'key-two-0123456789abcdef'],
        hmacSecret: ' inline secret 0123456 ',
      },
    });
    const fromFiles = await loadSecrets(
      env({ APPROVALS_API_KEYS_FILE: '/keys', APPROVALS_HMAC_SECRET_FILE: '/secret' }),
      read,
    );
    expect(fromFiles).toEqual({
      ok: true,
      value: {
        apiKeys: ['key-one-0123456789abcdef', 'key-two-0123456789abcdef'],
        hmacSecret: 'file-secret-0123456789',
      },
    });
  });

  it('none configured: no keys and no secret (everything answers 401)', async () => {
    expect(await loadSecrets(env(), read)).toEqual({
      ok: true,
      value: { apiKeys: [], hmacSecret: null },
    });
  });

  it('refuses both forms, unreadable files and short keys', async () => {
    const both = await loadSecrets(
      env({
        APPROVALS_HMAC_SECRET: 'inline-secret-0123456789',
        APPROVALS_HMAC_SECRET_FILE: '/secret',
        APPROVALS_API_KEYS_FILE: '/missing',
      }),
      read,
    );
    expect(both.ok).toBe(false);
    if (!both.ok) expect(both.error.problems).toHaveLength(2);
    const short = await loadSecrets(env({ APPROVALS_API_KEYS: 'short' }), read);
    expect(short.ok).toBe(false);
  });
});
