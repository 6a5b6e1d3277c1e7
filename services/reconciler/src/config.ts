import {
  BaseEnvSchema,
  envBoolean,
  envDuration,
  envString,
  loadConfig as loadEnv,
  type ConfigResult,
  type Env,
} from '@fedplane/runtime';
import type { z } from 'zod';
import type { ReconcilerSettings } from './shell/settings.js';

/**
 * The reconciler's configuration (house-style §2.6): the shared fragment plus `RECONCILER_*`
 * (reconciler.md). The only module that sees the environment; `main.ts` passes `process.env`.
 */

/** Every variable the reconciler reads. */
export const ReconcilerEnvSchema = BaseEnvSchema.extend({
  RECONCILER_INTERVAL: envDuration({
    description: 'Time between passes (a change of inventory, posture or status also starts one)',
    default: '10s',
    minMs: 100,
  }),
  RECONCILER_DEBOUNCE: envDuration({
    description: 'Quiet time after a change before the pass it triggers starts',
    default: '500ms',
    minMs: 0,
  }),
  RECONCILER_STATUS_TTL: envDuration({
    description: 'A node is present when its latest signed status arrived within this time',
    default: '60s',
    minMs: 1_000,
  }),
  RECONCILER_MIN_REMAINING: envDuration({
    description: 'A node can sign when its credential stays valid at least this much longer',
    default: '120s',
    minMs: 0,
  }),
  RECONCILER_SHRINK_GUARD: envString({
    description:
      'Fraction of present nodes whose loss in one pass is treated as a partition (no decommission)',
    default: '0.3',
    pattern: /^(0(\.\d{1,6})?|1(\.0{1,6})?)$/,
    patternText: 'a fraction between 0 and 1, e.g. 0.3',
  }),
  RECONCILER_AUTO_DECOMMISSION: envBoolean({
    description: 'Revoke nodes missing from the inventory without asking for approval',
    default: false,
  }),
  RECONCILER_INVENTORY_PATH: envString({
    description: 'Inventory YAML file to watch (used instead of KV fed-inventory when set)',
  }).optional(),
  RECONCILER_LEASE_TTL: envDuration({
    description: 'Lease period of the active reconciler; a standby takes over within it',
    default: '10s',
    minMs: 1_000,
  }),
  RECONCILER_ACTION_RETRY: envDuration({
    description:
      'Least time before a renewal request, or a denied decommission, for the same node is repeated',
    default: '5m',
    minMs: 1_000,
  }),
  RECONCILER_REQUEST_TIMEOUT: envDuration({
    description: 'Timeout of each request the reconciler makes (issuer, agents, approvals)',
    default: '5s',
    minMs: 100,
  }),
});

/** The parsed environment. */
export type ReconcilerEnv = z.output<typeof ReconcilerEnvSchema>;

/** The typed configuration `main.ts` builds from. */
export type ReconcilerConfig = {
  readonly env: ReconcilerEnv;
  readonly settings: ReconcilerSettings;
  readonly natsServers: readonly string[];
  readonly instance: string;
};

/** Builds the nested config from the parsed variables. */
function toConfig(env: ReconcilerEnv): ReconcilerConfig {
  return {
    env,
    settings: {
      intervalMs: env.RECONCILER_INTERVAL,
      debounceMs: env.RECONCILER_DEBOUNCE,
      statusTtlMs: env.RECONCILER_STATUS_TTL,
      minRemainingS: Math.ceil(env.RECONCILER_MIN_REMAINING / 1000),
      shrinkGuard: Number(env.RECONCILER_SHRINK_GUARD),
      autoDecommission: env.RECONCILER_AUTO_DECOMMISSION,
      inventoryPath: env.RECONCILER_INVENTORY_PATH,
      leaseTtlMs: env.RECONCILER_LEASE_TTL,
      retryMs: env.RECONCILER_ACTION_RETRY,
      requestTimeoutMs: env.RECONCILER_REQUEST_TIMEOUT,
    },
    natsServers: env.NATS_URL,
    instance: env.INSTANCE_ID,
  };
}

/** Parses `env` (every problem listed on failure; never throws). */
export function loadConfig(env: Env): ConfigResult<ReconcilerConfig> {
  const parsed = loadEnv(ReconcilerEnvSchema, env);
  return parsed.ok ? { ok: true, value: toConfig(parsed.value) } : parsed;
}
