import { checkAgentId, parsePeerScopes, type PeerScopes } from '@fedplane/core';
import {
  BaseEnvSchema,
  envDuration,
  envInteger,
  envPort,
  envString,
  envUrl,
  loadConfig as loadEnv,
  type ConfigResult,
  type Env,
} from '@fedplane/runtime';
import type { z } from 'zod';

/**
 * The sync-gateway's configuration (house-style §2.6; sync.md): the shared fragment, the node
 * identity files the renewal-agent keeps fresh, and `SYNC_*`. The only module that sees the
 * environment; `main.ts` passes `process.env`.
 */

const agentIdList = (description: string) =>
  envString({ description }).transform((text, ctx) => {
    const ids = text
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
    for (const id of ids) {
      if (!checkAgentId(id).ok) ctx.addIssue({ code: 'custom', message: `not an agent id: ${id}` });
    }
    return ids;
  });

/** Every variable the sync-gateway reads. */
export const SyncGatewayEnvSchema = BaseEnvSchema.extend({
  DATABASE_URL: envUrl({
    description: "Postgres connection URL of the node's replica (required)",
    schemes: ['postgres', 'postgresql'],
    secret: true,
  }),
  FED_NODE_ID: envString({
    description: 'The node this gateway acts as (agent id, e.g. region/nyc/node-1; required)',
    maxLength: 128,
  }),
  FED_KEY_PATH: envString({
    description: 'Node Ed25519 key file the renewal-agent keeps (base64 seed, 0600; watched)',
  }),
  FED_CRED_PATH: envString({
    description: 'Node credential file (v1= value; watched)',
  }),
  FED_CRED_CHAIN_PATH: envString({
    description: 'Node intermediates file (watched). Default <FED_CRED_PATH>.chain',
  }).optional(),
  FED_IDENTITY_POLL: envDuration({
    description: 'How often the key and credential files are re-read',
    default: '1s',
    minMs: 50,
  }),
  SYNC_HTTP_HOST: envString({
    description: 'Address of the /api/v1/sync/* HTTP server',
    default: '0.0.0.0',
  }),
  SYNC_HTTP_PORT: envPort({ description: 'Port of the /api/v1/sync/* HTTP server', default: 9077 }),
  SYNC_QUORUM_W: envInteger({
    description: "Quorum width W override (default: the inventory's quorum.width, else 1)",
    min: 1,
    max: 1024,
  }).optional(),
  SYNC_QUORUM_TIMEOUT_MS: envInteger({
    description: 'Quorum deadline of a push, in ms (one deadline per push)',
    default: 2000,
    min: 1,
    max: 600_000,
  }),
  SYNC_MAX_BODY_BYTES: envInteger({
    description: 'Largest push body accepted (413 above)',
    default: 8 * 1024 * 1024,
    min: 1024,
    max: 256 * 1024 * 1024,
  }),
  SYNC_FORWARD_URL: envUrl({
    description:
      "The node's own daemon: applied records are forwarded (signed POST /api/v1/sync/push)",
    schemes: ['http', 'https'],
  }).optional(),
  SYNC_PEER_SCOPES: envString({
    description:
      'Per-peer scopes JSON {"<peer>": {"allowed_sender_agent_ids": [...], "allowed_namespaces": [globs]}}; no scope = deny reads',
    default: '{}',
  }),
  SYNC_SNAPSHOT_PEERS: agentIdList(
    'Peers whose replica a new (or long-absent) gateway copies first, comma-separated (default: inventory nodes)',
  ).optional(),
  SYNC_STREAM_MAX_AGE: envDuration({
    description: 'max_age of FED_SYNC when this gateway creates it',
    default: '7d',
    minMs: 600_000,
  }),
  SYNC_BATCH: envInteger({
    description: 'Most records applied per receive transaction',
    default: 500,
    min: 1,
    max: 5_000,
  }),
  SYNC_DB_POOL: envInteger({
    description: 'Postgres connections of this gateway',
    default: 8,
    min: 2,
    max: 64,
  }),
}).superRefine((env, ctx) => {
  if (!checkAgentId(env.FED_NODE_ID).ok) {
    ctx.addIssue({ code: 'custom', path: ['FED_NODE_ID'], message: 'not an agent id' });
  }
  const scopes = parsePeerScopes(env.SYNC_PEER_SCOPES);
  if (!scopes.ok) {
    for (const issue of scopes.error.issues) {
      ctx.addIssue({
        code: 'custom',
        path: ['SYNC_PEER_SCOPES'],
        message: `${issue.path || '(root)'}: ${issue.message}`,
      });
    }
  }
});

/** The parsed environment. */
export type SyncGatewayEnv = z.output<typeof SyncGatewayEnvSchema>;

/** The typed configuration `main.ts` builds from. */
export type SyncGatewayConfig = {
  readonly env: SyncGatewayEnv;
  readonly nodeId: string;
  readonly files: {
    readonly keyPath: string;
    readonly credPath: string;
    readonly chainPath: string;
  };
  readonly scopes: PeerScopes;
  readonly natsServers: readonly string[];
  readonly databaseUrl: string;
  readonly instance: string;
};

function toConfig(env: SyncGatewayEnv): SyncGatewayConfig {
  const scopes = parsePeerScopes(env.SYNC_PEER_SCOPES);
  return {
    env,
    nodeId: env.FED_NODE_ID,
    files: {
      keyPath: env.FED_KEY_PATH,
      credPath: env.FED_CRED_PATH,
      chainPath: env.FED_CRED_CHAIN_PATH ?? `${env.FED_CRED_PATH}.chain`,
    },
    scopes: scopes.ok ? scopes.scopes : new Map(),
    natsServers: env.NATS_URL,
    databaseUrl: env.DATABASE_URL,
    instance: env.INSTANCE_ID,
  };
}

/** Parses `env` (every problem listed on failure; never throws). */
export function loadConfig(env: Env): ConfigResult<SyncGatewayConfig> {
  const parsed = loadEnv(SyncGatewayEnvSchema, env);
  return parsed.ok ? { ok: true, value: toConfig(parsed.value) } : parsed;
}
