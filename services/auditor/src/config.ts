import {
  BaseEnvSchema,
  envDuration,
  envInteger,
  envUrl,
  loadConfig as loadEnv,
  type ConfigResult,
  type Env,
} from '@fedplane/runtime';
import type { z } from 'zod';
import type { AuditorSettings } from './shell/start-auditor.js';

/**
 * The auditor's configuration (house-style §2.6): the shared fragment plus `AUDITOR_*`. This is
 * the only module that sees the environment; `main.ts` passes `process.env`.
 */

/** Every variable the auditor reads. */
export const AuditorEnvSchema = BaseEnvSchema.extend({
  DATABASE_URL: envUrl({
    description: 'Postgres connection URL of the audit database (required)',
    schemes: ['postgres', 'postgresql'],
    secret: true,
  }),
  AUDITOR_BATCH: envInteger({
    description: 'Most events appended per transaction',
    default: 500,
    min: 1,
    max: 5_000,
  }),
  AUDITOR_BATCH_WAIT_MS: envInteger({
    description: 'How long a batch waits for more events after the first one, in ms',
    default: 20,
    min: 0,
    max: 10_000,
  }),
  AUDITOR_CHECKPOINT_INTERVAL: envDuration({
    description: 'How often a signed checkpoint is written when the chain grew',
    default: '10s',
    minMs: 100,
  }),
  AUDITOR_LEASE_TTL: envDuration({
    description: 'Lease period of the appender; a standby takes over within it',
    default: '10s',
    minMs: 1_000,
  }),
  AUDITOR_DB_POOL: envInteger({
    description: 'Postgres connections of this instance',
    default: 4,
    min: 2,
    max: 64,
  }),
});

/** The parsed environment. */
export type AuditorEnv = z.output<typeof AuditorEnvSchema>;

/** The typed configuration `main.ts` builds from. */
export type AuditorConfig = {
  readonly env: AuditorEnv;
  readonly settings: AuditorSettings;
  readonly databaseUrl: string;
  readonly natsServers: readonly string[];
  readonly instance: string;
  readonly dbPoolSize: number;
};

/** Builds the nested config from the parsed variables. */
function toConfig(env: AuditorEnv): AuditorConfig {
  return {
    env,
    settings: {
      batch: env.AUDITOR_BATCH,
      batchWaitMs: env.AUDITOR_BATCH_WAIT_MS,
      checkpointIntervalMs: env.AUDITOR_CHECKPOINT_INTERVAL,
      leaseTtlMs: env.AUDITOR_LEASE_TTL,
    },
    databaseUrl: env.DATABASE_URL,
    natsServers: env.NATS_URL,
    instance: env.INSTANCE_ID,
    dbPoolSize: env.AUDITOR_DB_POOL,
  };
}

/** Parses `env` (every problem listed on failure; never throws). */
export function loadConfig(env: Env): ConfigResult<AuditorConfig> {
  const parsed = loadEnv(AuditorEnvSchema, env);
  return parsed.ok ? { ok: true, value: toConfig(parsed.value) } : parsed;
}
