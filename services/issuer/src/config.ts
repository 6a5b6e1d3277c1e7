import { isValidIssuerId } from '@fedplane/core';
import {
  BaseEnvSchema,
  envDuration,
  envInteger,
  envString,
  envUrl,
  loadConfig,
  type ConfigResult,
  type Env,
} from '@fedplane/runtime';
import type { z } from 'zod';

/**
 * The issuer's environment (identity.md, Issuer service; operations.md Security). The only
 * reader of `process.env` is `main.ts`, which passes it to {@link loadIssuerConfig}.
 */

/** The issuer's variables on top of the shared fragment. */
export const IssuerEnvSchema = BaseEnvSchema.extend({
  ISSUER_ID: envString({
    description:
      'Issuer id of the first (root) key; rotated keys are named <ISSUER_ID>-2, -3, ... (slash-free)',
    default: 'root',
    maxLength: 120,
    pattern: /^(?!.*\.\.)[A-Za-z0-9_:@.-]+$/,
    patternText: 'a slash-free agent id',
  }),
  ISSUER_TRUST_DOMAIN: envString({
    description: 'Trust domain written into every credential and the trust bundle',
    maxLength: 255,
    pattern: /^\S+$/,
    patternText: 'no whitespace',
  }),
  DATABASE_URL: envUrl({
    description: 'Postgres connection URL (registrations, join tokens, nonces, bundles)',
    schemes: ['postgres', 'postgresql'],
    secret: true,
  }),
  ISSUER_KEY_DIR: envString({
    description:
      'Directory of issuer keys (<issuer_id>.priv raw 32-byte seed + .pub), shared by every instance; created 0700, keys 0600',
    default: '.fedplane/issuer-keys',
  }),
  ISSUER_KEY_FILE: envString({
    description:
      'Secret file holding the ISSUER_ID seed (raw 32 bytes or base64) instead of <ISSUER_KEY_DIR>/<ISSUER_ID>.priv',
  }).optional(),
  ISSUER_LEAF_TTL: envDuration({
    description: 'Default leaf credential lifetime (a node enrolled with ttl_s overrides it)',
    default: '1h',
    minMs: 1_000,
  }),
  ISSUER_JOIN_TOKEN_TTL: envDuration({
    description: 'Lifetime of a join token minted by fed.issuer.enroll',
    default: '1h',
    minMs: 1_000,
  }),
  ISSUER_SERVICE_SECRETS_FILE: envString({
    description:
      'JSON file {"<service>": "<sha256 hex of its bootstrap secret>"}; unset = no service attestation',
  }).optional(),
  ISSUER_REFRESH_HINT_S: envInteger({
    description:
      'refresh_hint_s of the trust bundle; a rotated key is activated refresh_hint_s x 3 after publication',
    default: 60,
    min: 1,
    max: 86_400,
  }),
}).superRefine((env, ctx) => {
  if (!isValidIssuerId(env.ISSUER_ID)) {
    ctx.addIssue({
      code: 'custom',
      path: ['ISSUER_ID'],
      message: 'expected a slash-free agent id',
    });
  }
  for (const name of ['ISSUER_LEAF_TTL', 'ISSUER_JOIN_TOKEN_TTL'] as const) {
    if (env[name] % 1000 !== 0) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'must be whole seconds' });
    }
  }
});

/** The parsed variables. */
export type IssuerEnv = z.output<typeof IssuerEnvSchema>;

/** The issuer's typed configuration. */
export type IssuerConfig = {
  readonly issuerId: string;
  readonly trustDomain: string;
  readonly keyDir: string;
  readonly keyFile: string | undefined;
  readonly leafTtlS: number;
  readonly joinTokenTtlMs: number;
  readonly intermediateTtlS: number;
  readonly serviceSecretsFile: string | undefined;
  readonly refreshHintS: number;
  readonly instanceId: string;
  readonly natsServers: readonly string[];
  readonly databaseUrl: string;
  readonly logLevel: IssuerEnv['LOG_LEVEL'];
  readonly healthHost: string;
  readonly healthPort: number;
  readonly shutdownTimeoutMs: number;
  /** Replicas of the streams and buckets ensured at start (`NATS_STREAM_REPLICAS`; default 1). */
  readonly streamReplicas?: number;
  /** The NATS credential variables, for runtime `readNatsAuth`. */
  readonly natsAuth?: Pick<IssuerEnv, 'NATS_USER' | 'NATS_PASSWORD' | 'NATS_PASSWORD_FILE'>;
};

/** Lifetime of a region intermediate (identity.md: 24 h). */
export const INTERMEDIATE_TTL_S = 86_400;

/** Builds the typed config from parsed variables. */
export function toIssuerConfig(env: IssuerEnv): IssuerConfig {
  return {
    issuerId: env.ISSUER_ID,
    trustDomain: env.ISSUER_TRUST_DOMAIN,
    keyDir: env.ISSUER_KEY_DIR,
    keyFile: env.ISSUER_KEY_FILE,
    leafTtlS: env.ISSUER_LEAF_TTL / 1000,
    joinTokenTtlMs: env.ISSUER_JOIN_TOKEN_TTL,
    intermediateTtlS: INTERMEDIATE_TTL_S,
    serviceSecretsFile: env.ISSUER_SERVICE_SECRETS_FILE,
    refreshHintS: env.ISSUER_REFRESH_HINT_S,
    instanceId: env.INSTANCE_ID,
    natsServers: env.NATS_URL,
    databaseUrl: env.DATABASE_URL,
    logLevel: env.LOG_LEVEL,
    healthHost: env.HEALTH_HOST,
    healthPort: env.HEALTH_PORT,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT,
    streamReplicas: env.NATS_STREAM_REPLICAS,
    natsAuth: {
      NATS_USER: env.NATS_USER,
      NATS_PASSWORD: env.NATS_PASSWORD,
      NATS_PASSWORD_FILE: env.NATS_PASSWORD_FILE,
    },
  };
}

/** Parses `env` into the issuer config, or every problem at once. Never throws. */
export function loadIssuerConfig(env: Env): ConfigResult<IssuerConfig> {
  const parsed = loadConfig(IssuerEnvSchema, env);
  return parsed.ok ? { ok: true, value: toIssuerConfig(parsed.value) } : parsed;
}
