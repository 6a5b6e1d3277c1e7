import { parseArgs } from 'node:util';
import { DEFAULT_RENEWAL_BACKOFF, JoinTokenSchema, checkAgentId } from '@fedplane/core';
import {
  BaseEnvSchema,
  ConfigError,
  envBoolean,
  envDuration,
  envEnum,
  envInteger,
  envString,
  loadConfig as loadEnv,
  type ConfigResult,
  type Env,
} from '@fedplane/runtime';
import type { z } from 'zod';
import { AGENT_VERSION, RenewalMode, type AgentSettings } from './shell/settings.js';

/**
 * The renewal-agent's configuration (house-style §2.6; identity.md "Renewal-agent service"). The
 * only module that reads the environment; `main.ts` passes `process.env` and its argv (for
 * `--simulate N`).
 */

/** The most agents one process simulates. */
export const MAX_SIMULATED_AGENTS = 100_000;

/** Where the trust bundle comes from. */
export const TrustSource = {
  /** Watch KV `fed-trust` / `bundle` (live, survives an issuer outage). */
  kv: 'kv',
  /** Poll `fed.issuer.bundle` (for agents whose NATS user may only call the issuer). */
  issuer: 'issuer',
} as const;
/** A trust source. */
export type TrustSource = (typeof TrustSource)[keyof typeof TrustSource];

/** Every variable the renewal-agent reads (on top of the shared fragment). */
export const RenewalAgentEnvSchema = BaseEnvSchema.extend({
  FED_NODE_ID: envString({
    description: 'The node identity (agent id, e.g. region/nyc/node-1); required unless simulating',
    maxLength: 128,
  }).optional(),
  FED_KEY_PATH: envString({
    description:
      'Node Ed25519 key file (base64 seed, mode 0600, directory 0700); generated on first start. Required unless simulating',
  }).optional(),
  FED_CRED_PATH: envString({
    description:
      'Credential file (ai-memory format: v1= value + newline). issuer mode writes it atomically; file mode reads it. Required unless simulating',
  }).optional(),
  FED_CRED_CHAIN_PATH: envString({
    description:
      'Intermediates file (same format); removed when the node holds none. Default <FED_CRED_PATH>.chain',
  }).optional(),
  FED_JOIN_TOKEN: envString({
    description: 'One-time join token for the first attestation (issuer mode)',
    secret: true,
    maxLength: 256,
  }).optional(),
  FED_JOIN_TOKEN_FILE: envString({
    description: 'File holding the join token; re-read at every attestation attempt',
  }).optional(),
  RENEWAL_MODE: envEnum([RenewalMode.issuer, RenewalMode.file], {
    description:
      'issuer: attest, then renew over NATS; file: re-read a file an external issuer writes',
    default: RenewalMode.issuer,
  }),
  FED_RENEW_BEFORE: envDuration({
    description:
      'Renewal lead window before not_after (renewal is due at the earlier of this and the jittered half-life)',
    default: '15m',
  }),
  FED_STATUS_INTERVAL: envDuration({
    description:
      'Signed status on fed.status.node.<node> at least this often (and on every change)',
    default: '15s',
    minMs: 100,
  }),
  FED_ROTATE_KEY: envBoolean({
    description: 'Rotate the node key at every renewal (new_public_key)',
    default: false,
  }),
  FED_TRUST_SOURCE: envEnum([TrustSource.kv, TrustSource.issuer], {
    description: 'Trust bundle from KV fed-trust (kv) or by polling fed.issuer.bundle (issuer)',
    default: TrustSource.kv,
  }),
  RENEWAL_FILE_INTERVAL: envDuration({
    description: 'file mode: how often the credential files are re-read',
    default: '60s',
    minMs: 100,
  }),
  RENEWAL_MIN_BACKOFF: envDuration({
    description: 'Delay after the first failed renewal (doubles per failure, jittered)',
    default: '1s',
    minMs: 1_000,
  }),
  RENEWAL_MAX_BACKOFF: envDuration({
    description:
      'Longest delay between failed renewals (also capped at a quarter of the time left)',
    default: '5m',
    minMs: 1_000,
  }),
  RENEWAL_ATTEST_MAX_BACKOFF: envDuration({
    description: 'Longest delay between failed attestations',
    default: '30s',
    minMs: 1_000,
  }),
  RENEWAL_REQUEST_TIMEOUT: envDuration({
    description: 'Timeout of one issuer request',
    default: '5s',
    minMs: 100,
  }),
  FED_CLOCK_SKEW_MS: envInteger({
    description:
      'Test only: offset (ms, may be negative) added to the agent clock, to exercise clock skew in the chaos suite',
    default: 0,
    min: -3_600_000,
    max: 3_600_000,
  }),
  RENEWAL_AGENT_SIMULATE: envInteger({
    description:
      'Run N simulated agents (own keys and identities, one NATS connection, no files) for load tests; --simulate N overrides',
    default: 0,
    min: 0,
    max: MAX_SIMULATED_AGENTS,
  }),
  RENEWAL_AGENT_SIMULATE_PREFIX: envString({
    description: 'Simulated node ids are <prefix>-<i>',
    default: 'sim',
    maxLength: 100,
  }),
  RENEWAL_AGENT_SIMULATE_TOKENS: envString({
    description: 'Simulation: file of "<node-id> <join-token>" lines',
  }).optional(),
  RENEWAL_AGENT_SIMULATE_SPREAD: envDuration({
    description:
      "Simulation: spread the agents' first attestations over this long (default: 1 ms per agent, at most 10 s)",
  }).optional(),
  RENEWAL_AGENT_SIMULATE_ENROLL: envBoolean({
    description:
      'Simulation: obtain each join token from fed.issuer.enroll (needs the admin permission)',
    default: false,
  }),
}).superRefine((env, ctx) => {
  const simulating = env.RENEWAL_AGENT_SIMULATE > 0;
  if (!simulating) {
    for (const name of ['FED_NODE_ID', 'FED_KEY_PATH', 'FED_CRED_PATH'] as const) {
      if (env[name] === undefined) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'required (unless simulating)' });
      }
    }
  } else {
    if (env.RENEWAL_MODE === RenewalMode.file) {
      ctx.addIssue({
        code: 'custom',
        path: ['RENEWAL_MODE'],
        message: 'simulation runs issuer mode only',
      });
    }
    if (env.RENEWAL_AGENT_SIMULATE_TOKENS === undefined && !env.RENEWAL_AGENT_SIMULATE_ENROLL) {
      ctx.addIssue({
        code: 'custom',
        path: ['RENEWAL_AGENT_SIMULATE_TOKENS'],
        message: 'simulation needs join tokens: set it or RENEWAL_AGENT_SIMULATE_ENROLL=true',
      });
    }
    const sample = `${env.RENEWAL_AGENT_SIMULATE_PREFIX}-${String(env.RENEWAL_AGENT_SIMULATE - 1)}`;
    const checked = checkAgentId(sample);
    if (!checked.ok) {
      ctx.addIssue({
        code: 'custom',
        path: ['RENEWAL_AGENT_SIMULATE_PREFIX'],
        message: `${sample} is not a valid agent id (${checked.reason})`,
      });
    }
  }
  if (env.FED_NODE_ID !== undefined) {
    const checked = checkAgentId(env.FED_NODE_ID);
    if (!checked.ok) {
      ctx.addIssue({
        code: 'custom',
        path: ['FED_NODE_ID'],
        message: `not a valid agent id (${checked.reason})`,
      });
    }
  }
  if (env.FED_JOIN_TOKEN !== undefined && env.FED_JOIN_TOKEN_FILE !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['FED_JOIN_TOKEN_FILE'],
      message: 'set FED_JOIN_TOKEN or FED_JOIN_TOKEN_FILE, not both',
    });
  }
  if (env.FED_JOIN_TOKEN !== undefined && !JoinTokenSchema.safeParse(env.FED_JOIN_TOKEN).success) {
    ctx.addIssue({
      code: 'custom',
      path: ['FED_JOIN_TOKEN'],
      message: 'expected 22-256 characters of [A-Za-z0-9_-]',
    });
  }
  if (env.RENEWAL_MAX_BACKOFF < env.RENEWAL_MIN_BACKOFF) {
    ctx.addIssue({
      code: 'custom',
      path: ['RENEWAL_MAX_BACKOFF'],
      message: 'must be at least RENEWAL_MIN_BACKOFF',
    });
  }
});

/** The parsed variables. */
export type RenewalAgentEnv = z.output<typeof RenewalAgentEnvSchema>;

/** Where the join token comes from. */
export type JoinTokenConfig =
  | { readonly kind: 'value'; readonly token: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'none' };

/** One real node's files. */
export type NodeFilesConfig = {
  readonly nodeId: string;
  readonly keyPath: string;
  readonly credPath: string;
  readonly chainPath: string;
  readonly joinToken: JoinTokenConfig;
};

/** The simulation, when `RENEWAL_AGENT_SIMULATE` (or `--simulate`) is above 0. */
export type SimulationConfig = {
  readonly count: number;
  readonly prefix: string;
  readonly tokensFile?: string;
  readonly enroll: boolean;
  /** The agents' first steps are spread over this many ms. */
  readonly spreadMs: number;
};

/** The typed configuration `main.ts` builds from. */
export type RenewalAgentConfig = {
  readonly env: RenewalAgentEnv;
  readonly settings: AgentSettings;
  readonly natsServers: readonly string[];
  readonly instance: string;
  readonly trustSource: TrustSource;
  readonly requestTimeoutMs: number;
  /** Test-only offset added to the agent clock (`FED_CLOCK_SKEW_MS`; 0 in production). */
  readonly clockSkewMs: number;
  /** The node (absent when simulating). */
  readonly node?: NodeFilesConfig;
  /** The simulation (absent for a real node). */
  readonly simulate?: SimulationConfig;
};

/** Milliseconds to whole seconds, rounded up (a policy in seconds). */
function seconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

function toConfig(env: RenewalAgentEnv): RenewalAgentConfig {
  const settings: AgentSettings = {
    mode: env.RENEWAL_MODE,
    policy: {
      renewBeforeS: seconds(env.FED_RENEW_BEFORE),
      minBackoffS: seconds(env.RENEWAL_MIN_BACKOFF),
      maxBackoffS: seconds(env.RENEWAL_MAX_BACKOFF),
      backoffFractionOfRemaining: DEFAULT_RENEWAL_BACKOFF.backoffFractionOfRemaining,
    },
    maxAttestBackoffS: seconds(env.RENEWAL_ATTEST_MAX_BACKOFF),
    rotateKey: env.FED_ROTATE_KEY,
    statusIntervalMs: env.FED_STATUS_INTERVAL,
    fileIntervalMs: env.RENEWAL_FILE_INTERVAL,
    agentVersion: AGENT_VERSION,
  };
  const joinToken: JoinTokenConfig =
    env.FED_JOIN_TOKEN !== undefined
      ? { kind: 'value', token: env.FED_JOIN_TOKEN }
      : env.FED_JOIN_TOKEN_FILE !== undefined
        ? { kind: 'file', path: env.FED_JOIN_TOKEN_FILE }
        : { kind: 'none' };
  const base = {
    env,
    settings,
    natsServers: env.NATS_URL,
    instance: env.INSTANCE_ID,
    trustSource: env.FED_TRUST_SOURCE,
    requestTimeoutMs: env.RENEWAL_REQUEST_TIMEOUT,
    clockSkewMs: env.FED_CLOCK_SKEW_MS,
  };
  if (env.RENEWAL_AGENT_SIMULATE > 0) {
    return {
      ...base,
      simulate: {
        count: env.RENEWAL_AGENT_SIMULATE,
        prefix: env.RENEWAL_AGENT_SIMULATE_PREFIX,
        enroll: env.RENEWAL_AGENT_SIMULATE_ENROLL,
        spreadMs: env.RENEWAL_AGENT_SIMULATE_SPREAD ?? Math.min(10_000, env.RENEWAL_AGENT_SIMULATE),
        ...(env.RENEWAL_AGENT_SIMULATE_TOKENS === undefined
          ? {}
          : { tokensFile: env.RENEWAL_AGENT_SIMULATE_TOKENS }),
      },
    };
  }
  // The schema's refinement makes these present when not simulating.
  const credPath = env.FED_CRED_PATH ?? '';
  return {
    ...base,
    node: {
      nodeId: env.FED_NODE_ID ?? '',
      keyPath: env.FED_KEY_PATH ?? '',
      credPath,
      chainPath: env.FED_CRED_CHAIN_PATH ?? `${credPath}.chain`,
      joinToken,
    },
  };
}

/**
 * The environment with the command line applied: `--simulate N` sets `RENEWAL_AGENT_SIMULATE`.
 * An unknown flag or a non-numeric N is a {@link ConfigError}.
 */
export function applyArgv(env: Env, argv: readonly string[]): ConfigResult<Env> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { simulate: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.simulate === undefined) return { ok: true, value: env };
    if (!/^\d{1,6}$/.test(values.simulate)) {
      return { ok: false, error: new ConfigError(['--simulate: expected a whole number']) };
    }
    return { ok: true, value: { ...env, RENEWAL_AGENT_SIMULATE: values.simulate } };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: new ConfigError([`command line: ${message}`], { cause: err }) };
  }
}

/** Parses `env` (every problem listed on failure; never throws). */
export function loadConfig(env: Env): ConfigResult<RenewalAgentConfig> {
  const parsed = loadEnv(RenewalAgentEnvSchema, env);
  return parsed.ok ? { ok: true, value: toConfig(parsed.value) } : parsed;
}
