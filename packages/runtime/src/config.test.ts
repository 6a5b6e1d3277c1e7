import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BaseEnvSchema,
  ConfigError,
  defaultInstanceId,
  describeEnv,
  exitOnConfigError,
  loadConfig,
  readServiceSecret,
  redactConfig,
} from './config.js';
import { envDuration } from './env-fields.js';

describe('loadConfig with BaseEnvSchema', () => {
  it('applies every default', () => {
    const result = loadConfig(BaseEnvSchema, {});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { INSTANCE_ID, ...rest } = result.value;
    expect(rest).toEqual({
      NATS_URL: ['nats://127.0.0.1:4222'],
      NATS_STREAM_REPLICAS: 1,
      LOG_LEVEL: 'info',
      HEALTH_HOST: '0.0.0.0',
      HEALTH_PORT: 8080,
      SHUTDOWN_TIMEOUT: 10_000,
    });
    expect(INSTANCE_ID).toMatch(/^[A-Za-z0-9_-]+-\d+-[0-9a-f]{6}$/);
  });

  it('parses every variable', () => {
    const result = loadConfig(BaseEnvSchema, {
      NATS_URL: 'nats://n1:4222,nats://n2:4222',
      NATS_STREAM_REPLICAS: '3',
      DATABASE_URL: 'postgres://u:p@db:5432/fed',
      LOG_LEVEL: 'debug',
      HEALTH_HOST: '127.0.0.1',
      HEALTH_PORT: '9000',
      HTTP_PORT: '8443',
      INSTANCE_ID: 'auditor-1',
      SERVICE_SECRET: 'x'.repeat(32),
      SHUTDOWN_TIMEOUT: '2500ms',
      UNRELATED: 'ignored',
    });
    expect(result).toEqual({
      ok: true,
      value: {
        NATS_URL: ['nats://n1:4222', 'nats://n2:4222'],
        NATS_STREAM_REPLICAS: 3,
        DATABASE_URL: 'postgres://u:p@db:5432/fed',
        LOG_LEVEL: 'debug',
        HEALTH_HOST: '127.0.0.1',
        HEALTH_PORT: 9000,
        HTTP_PORT: 8443,
        INSTANCE_ID: 'auditor-1',
        SERVICE_SECRET: 'x'.repeat(32),
        SHUTDOWN_TIMEOUT: 2_500,
      },
    });
  });

  it('treats empty values as unset', () => {
    const result = loadConfig(BaseEnvSchema, { LOG_LEVEL: '', HEALTH_PORT: '', DATABASE_URL: '' });
    expect(result.ok && result.value.LOG_LEVEL).toBe('info');
    expect(result.ok && result.value.DATABASE_URL).toBeUndefined();
  });

  it('lists EVERY problem, one line each, naming the variable', () => {
    const result = loadConfig(BaseEnvSchema, {
      NATS_URL: 'http://wrong',
      DATABASE_URL: 'mysql://x',
      LOG_LEVEL: 'loud',
      HEALTH_PORT: '70000',
      INSTANCE_ID: 'has/slash',
      SERVICE_SECRET: 'short',
      SHUTDOWN_TIMEOUT: 'ten seconds',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const { error } = result;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.problems).toHaveLength(7);
    for (const name of [
      'NATS_URL',
      'DATABASE_URL',
      'LOG_LEVEL',
      'HEALTH_PORT',
      'INSTANCE_ID',
      'SERVICE_SECRET',
      'SHUTDOWN_TIMEOUT',
    ]) {
      expect(error.problems.some((line) => line.endsWith(`→ at ${name}`))).toBe(true);
      expect(error.message).toContain(name);
    }
    expect(error.message.startsWith('invalid configuration:\n')).toBe(true);
  });

  it('a service schema extends the base with its own variables and cross-field checks', () => {
    const IssuerEnv = BaseEnvSchema.extend({
      ISSUER_CERT_TTL: envDuration({ description: 'leaf TTL', default: '1h' }),
      ISSUER_RENEW_BEFORE: envDuration({ description: 'lead', default: '15m' }),
    }).superRefine((env, ctx) => {
      if (env.ISSUER_CERT_TTL <= env.ISSUER_RENEW_BEFORE) {
        ctx.addIssue({ code: 'custom', path: ['ISSUER_CERT_TTL'], message: 'must exceed lead' });
      }
    });
    expect(loadConfig(IssuerEnv, {}).ok).toBe(true);
    const bad = loadConfig(IssuerEnv, { ISSUER_CERT_TTL: '10m' });
    expect(!bad.ok && bad.error.problems).toEqual(['must exceed lead → at ISSUER_CERT_TTL']);
  });

  it('never throws on arbitrary environments', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(...Object.keys(BaseEnvSchema.shape), 'OTHER'),
          fc.option(fc.string(), { nil: undefined }),
        ),
        (env) => {
          const result = loadConfig(BaseEnvSchema, env);
          if (!result.ok) expect(result.error.problems.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});

describe('exitOnConfigError', () => {
  it('returns the value when valid and writes nothing', () => {
    const written: string[] = [];
    const value = exitOnConfigError(
      { ok: true, value: 42 },
      { write: (t: string) => written.push(t) },
      () => {
        throw new Error('must not exit');
      },
    );
    expect(value).toBe(42);
    expect(written).toEqual([]);
  });

  it('prints every problem and exits 1', () => {
    const written: string[] = [];
    const exits: number[] = [];
    const result = loadConfig(BaseEnvSchema, { LOG_LEVEL: 'x', HEALTH_PORT: 'y' });
    expect(() =>
      exitOnConfigError(result, { write: (t: string) => written.push(t) }, (code) => {
        exits.push(code);
        throw new Error('exited');
      }),
    ).toThrow('exited');
    expect(exits).toEqual([1]);
    expect(written.join('')).toMatch(/LOG_LEVEL[\s\S]*HEALTH_PORT/);
  });
});

describe('describeEnv and redactConfig', () => {
  it('documents every base variable in order', () => {
    const rows = describeEnv(BaseEnvSchema);
    expect(rows.map((r) => r.name)).toEqual(Object.keys(BaseEnvSchema.shape));
    expect(rows.find((r) => r.name === 'NATS_URL')).toEqual({
      name: 'NATS_URL',
      type: 'url list',
      required: false,
      default: 'nats://127.0.0.1:4222',
      secret: false,
      description: 'NATS server URL(s), comma-separated',
    });
    expect(rows.find((r) => r.name === 'INSTANCE_ID')?.default).toBe('hostname-pid-random');
    expect(rows.find((r) => r.name === 'DATABASE_URL')).toMatchObject({ secret: true });
    expect(rows.find((r) => r.name === 'SERVICE_SECRET')).toMatchObject({ secret: true });
    for (const row of rows) expect(row.description).not.toBe('');
  });

  it('marks required variables and tolerates undocumented fields', () => {
    const schema = z.object({
      NEEDED: envDuration({ description: 'needed' }),
      PLAIN: z.string(),
    });
    expect(describeEnv(schema)).toEqual([
      {
        name: 'NEEDED',
        type: 'duration',
        required: true,
        default: undefined,
        secret: false,
        description: 'needed',
      },
      {
        name: 'PLAIN',
        type: 'string',
        required: true,
        default: undefined,
        secret: false,
        description: '',
      },
    ]);
  });

  it('redacts secret values only', () => {
    const config = {
      DATABASE_URL: 'postgres://u:pw@h/db',
      SERVICE_SECRET: 's'.repeat(20),
      LOG_LEVEL: 'info',
      SERVICE_SECRET_FILE: undefined,
    };
    expect(redactConfig(BaseEnvSchema, config)).toEqual({
      DATABASE_URL: '[redacted]',
      SERVICE_SECRET: '[redacted]',
      LOG_LEVEL: 'info',
      SERVICE_SECRET_FILE: undefined,
    });
  });
});

describe('readServiceSecret', () => {
  const files = new Map([
    ['/ok', `${'k'.repeat(24)}\n`],
    ['/short', 'abc\n'],
  ]);
  const read = (path: string): Promise<string> => {
    const text = files.get(path);
    if (text === undefined) {
      return Promise.reject(Object.assign(new Error('nope'), { code: 'ENOENT' }));
    }
    return Promise.resolve(text);
  };

  it('prefers the variable', async () => {
    expect(await readServiceSecret({ SERVICE_SECRET: 'v'.repeat(16) }, read)).toEqual({
      ok: true,
      value: 'v'.repeat(16),
    });
  });

  it('reads and trims the file', async () => {
    expect(await readServiceSecret({ SERVICE_SECRET_FILE: '/ok' }, read)).toEqual({
      ok: true,
      value: 'k'.repeat(24),
    });
  });

  it.each<[string, Parameters<typeof readServiceSecret>[0], RegExp]>([
    ['neither', {}, /SERVICE_SECRET: required/],
    ['both', { SERVICE_SECRET: 'v'.repeat(16), SERVICE_SECRET_FILE: '/ok' }, /not both/],
    ['missing file', { SERVICE_SECRET_FILE: '/missing' }, /cannot read \/missing \(ENOENT\)/],
    ['too short', { SERVICE_SECRET_FILE: '/short' }, /16-512 characters/],
  ])('refuses %s', async (_name, env, message) => {
    const result = await readServiceSecret(env, read);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.problems.join('\n')).toMatch(message);
  });

  it('reports an error without a code as unreadable', async () => {
    const result = await readServiceSecret({ SERVICE_SECRET_FILE: '/x' }, () =>
      Promise.reject(new Error('weird')),
    );
    expect(!result.ok && result.error.problems).toEqual([
      'SERVICE_SECRET_FILE: cannot read /x (unreadable)',
    ]);
  });
});

describe('defaultInstanceId', () => {
  it('is a valid, unique-per-call token', () => {
    const a = defaultInstanceId();
    const b = defaultInstanceId();
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(a).not.toBe(b);
  });
});
