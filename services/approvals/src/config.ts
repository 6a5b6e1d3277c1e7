import { ActionTypeSchema, DecisionSchema, isValidNamespaceGlob } from '@fedplane/core';
import {
  BaseEnvSchema,
  ConfigError,
  envDuration,
  envInteger,
  envPort,
  envRegistry,
  envString,
  envUrl,
  loadConfig as loadEnv,
  type ConfigResult,
  type Env,
} from '@fedplane/runtime';
import { z } from 'zod';
import type { ConfiguredRule } from './core/rules.js';
import type { InstanceSettings } from './shell/start-approvals.js';

/**
 * The approvals service's configuration (house-style §2.6): the shared fragment plus
 * `APPROVALS_*`. The only module that sees the environment; `main.ts` passes `process.env`. The
 * two secrets (API keys, HMAC secret) come from a variable or a file (`*_FILE`), never both.
 */

const glob = z.string().refine(isValidNamespaceGlob, { error: 'invalid glob' });

/** One configured rule of `APPROVALS_RULES`. */
export const ConfiguredRuleSchema = z.strictObject({
  action_type: z.union([ActionTypeSchema, z.literal('*')]),
  namespace: glob,
  agent: glob,
  decision: DecisionSchema,
});

const rulesField = z
  .string()
  .transform((text, ctx): ConfiguredRule[] => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON array of rules' });
      return z.NEVER;
    }
    const parsed = z.array(ConfiguredRuleSchema).max(1_000).safeParse(json);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: z.prettifyError(parsed.error) });
      return z.NEVER;
    }
    return parsed.data;
  })
  .default([])
  .register(envRegistry, {
    description:
      'Configured rules, JSON [{action_type|"*", namespace glob, agent glob, decision}]; a deny beats every remembered approve',
    type: 'json',
    defaultText: '[]',
  });

/** Every variable the approvals service reads. */
export const ApprovalsEnvSchema = BaseEnvSchema.extend({
  DATABASE_URL: envUrl({
    description: 'Postgres connection URL of the approvals database (required)',
    schemes: ['postgres', 'postgresql'],
    secret: true,
  }),
  HTTP_PORT: envPort({ description: 'Port of the approvals HTTP API', default: 8090 }),
  APPROVALS_HTTP_HOST: envString({
    description: 'Address the approvals HTTP API listens on',
    default: '0.0.0.0',
  }),
  APPROVALS_API_KEYS: envString({
    description: 'Accepted x-api-key values, comma-separated (or APPROVALS_API_KEYS_FILE)',
    secret: true,
  }).optional(),
  APPROVALS_API_KEYS_FILE: envString({
    description: 'File with the accepted x-api-key values, one per line',
  }).optional(),
  APPROVALS_HMAC_SECRET: envString({
    description:
      'Secret of the decision HMAC (or APPROVALS_HMAC_SECRET_FILE); unset = no decisions',
    secret: true,
    minLength: 16,
    maxLength: 1024,
  }).optional(),
  APPROVALS_HMAC_SECRET_FILE: envString({
    description: 'File holding the decision HMAC secret (mode 0600)',
  }).optional(),
  APPROVALS_RULES: rulesField,
  APPROVALS_DEFAULT_TIMEOUT: envDuration({
    description: 'How long a request stays pending when it names no timeout_s',
    default: '24h',
    minMs: 1_000,
  }),
  APPROVALS_SESSION_TTL: envDuration({
    description: 'Lifetime of a remember=session rule',
    default: '8h',
    minMs: 1_000,
  }),
  APPROVALS_SWEEP_INTERVAL: envDuration({
    description: 'Period of the expiry sweeper (single active)',
    default: '60s',
    minMs: 100,
  }),
  APPROVALS_LEASE_TTL: envDuration({
    description: 'Lease period of the expiry sweeper; a standby takes over within it',
    default: '10s',
    minMs: 1_000,
  }),
  APPROVALS_SSE_BUFFER: envInteger({
    description: 'Frames an SSE subscriber may have queued before it gets lagged',
    default: 1_024,
    min: 1,
    max: 1_000_000,
  }),
  APPROVALS_SSE_KEEPALIVE: envDuration({
    description: 'Period of the SSE keep-alive comment',
    default: '15s',
    minMs: 100,
  }),
  APPROVALS_DB_POOL: envInteger({
    description: 'Postgres connections of this instance',
    default: 10,
    min: 2,
    max: 128,
  }),
});

/** The parsed environment. */
export type ApprovalsEnv = z.output<typeof ApprovalsEnvSchema>;

/** The typed configuration `main.ts` builds from. */
export type ApprovalsConfig = {
  readonly env: ApprovalsEnv;
  readonly settings: InstanceSettings;
  readonly databaseUrl: string;
  readonly natsServers: readonly string[];
  readonly instance: string;
  readonly http: { readonly port: number; readonly host: string };
  readonly dbPoolSize: number;
};

function toConfig(env: ApprovalsEnv): ApprovalsConfig {
  return {
    env,
    settings: {
      defaultTimeoutS: Math.ceil(env.APPROVALS_DEFAULT_TIMEOUT / 1000),
      sessionTtlMs: env.APPROVALS_SESSION_TTL,
      configuredRules: env.APPROVALS_RULES,
      sweepIntervalMs: env.APPROVALS_SWEEP_INTERVAL,
      leaseTtlMs: env.APPROVALS_LEASE_TTL,
      sseBufferFrames: env.APPROVALS_SSE_BUFFER,
      keepaliveMs: env.APPROVALS_SSE_KEEPALIVE,
    },
    databaseUrl: env.DATABASE_URL,
    natsServers: env.NATS_URL,
    instance: env.INSTANCE_ID,
    http: { port: env.HTTP_PORT, host: env.APPROVALS_HTTP_HOST },
    dbPoolSize: env.APPROVALS_DB_POOL,
  };
}

/** Parses `env` (every problem listed on failure; never throws). */
export function loadConfig(env: Env): ConfigResult<ApprovalsConfig> {
  const parsed = loadEnv(ApprovalsEnvSchema, env);
  return parsed.ok ? { ok: true, value: toConfig(parsed.value) } : parsed;
}

/** The two secrets. */
export type ApprovalsSecrets = {
  readonly apiKeys: readonly string[];
  /** Null when none is configured (every decision is refused). */
  readonly hmacSecret: string | null;
};

function splitKeys(text: string, separator: RegExp): string[] {
  return text
    .split(separator)
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

/**
 * Reads the secrets from the variables or their files (`read` is injectable). Both a variable
 * and its file, an unreadable file, or a key shorter than 16 characters is a {@link ConfigError}.
 */
export async function loadSecrets(
  env: ApprovalsEnv,
  read: (path: string) => Promise<string>,
): Promise<ConfigResult<ApprovalsSecrets>> {
  const problems: string[] = [];
  const pick = async (
    name: string,
    inline?: string,
    file?: string,
  ): Promise<string | undefined> => {
    if (inline !== undefined && file !== undefined) {
      problems.push(`${name}_FILE: set ${name} or ${name}_FILE, not both`);
      return undefined;
    }
    if (file === undefined) return inline;
    try {
      return await read(file);
    } catch {
      problems.push(`${name}_FILE: cannot read ${file}`);
      return undefined;
    }
  };
  const keysText = await pick(
    'APPROVALS_API_KEYS',
    env.APPROVALS_API_KEYS,
    env.APPROVALS_API_KEYS_FILE,
  );
  const secretText = await pick(
    'APPROVALS_HMAC_SECRET',
    env.APPROVALS_HMAC_SECRET,
    env.APPROVALS_HMAC_SECRET_FILE,
  );
  const apiKeys =
    keysText === undefined
      ? []
      : splitKeys(keysText, env.APPROVALS_API_KEYS_FILE === undefined ? /,/ : /\r?\n/);
  if (apiKeys.some((k) => k.length < 16)) {
    problems.push('APPROVALS_API_KEYS: every key must be at least 16 characters');
  }
  // A file's trailing newline is not part of the secret; an inline secret is used exactly.
  const hmacSecret =
    secretText === undefined
      ? null
      : env.APPROVALS_HMAC_SECRET_FILE === undefined
        ? secretText
        : secretText.replace(/\r?\n$/, '');
  if (hmacSecret !== null && hmacSecret.length < 16) {
    problems.push('APPROVALS_HMAC_SECRET_FILE: secret must be at least 16 characters');
  }
  if (problems.length > 0) return { ok: false, error: new ConfigError(problems) };
  return { ok: true, value: { apiKeys, hmacSecret: hmacSecret === '' ? null : hmacSecret } };
}
