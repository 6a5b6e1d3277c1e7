import { join } from 'node:path';
import { NatsRole } from '@fedplane/messaging';
import type { ServiceSpec } from './service-process.js';
import type { NatsLogin, PlaneLayout } from './plane-files.js';

/**
 * The environment of every process of the e2e plane: every variable docker-compose gives that
 * kind of service (test/integration/compose-e2e-parity.int.test.ts checks it), with test-sized
 * intervals and local paths. Each process connects to NATS as its own user (`NATS_USER`, the
 * bootstrap's `NATS_PASSWORD_FILE`), and all get `DATABASE_URL` and `PGPASSFILE` as compose's
 * `x-service-env` gives them. Streams and buckets at replicas 3 (`NATS_STREAM_REPLICAS`) on the
 * 3-server cluster.
 */

/** Trust domain of the e2e plane. */
export const E2E_TRUST_DOMAIN = 'fedplane.e2e';
/** Region of the e2e nodes. */
export const E2E_REGION = 'e2e';
/** Namespace every e2e record is written in. */
export const E2E_NAMESPACE = 'e2e/records';
/** Credential lifetime of the nodes: short, so the scenario sees renewals. */
export const NODE_CRED_TTL = '3m';
/** Renew that long before expiry. */
export const NODE_RENEW_BEFORE = '2m';
/** Issuer `refresh_hint_s`: a rotated key is activated 3x this after publication. */
export const REFRESH_HINT_S = 2;

/** One node of the fleet. */
export type FleetNode = {
  readonly id: string;
  readonly short: string;
  readonly dir: string;
  readonly keyPath: string;
  readonly credPath: string;
  readonly chainPath: string;
  readonly joinTokenPath: string;
  readonly httpPort: number;
};

/** What the env builders need (pure data: the builders touch no file). */
export type EnvContext = {
  readonly natsUrl: string;
  /** Postgres URL the services use (through the cuttable proxy). */
  readonly databaseUrl: string;
  readonly files: PlaneLayout;
  readonly nodes: readonly FleetNode[];
  /** Extra variables per process name (test knobs such as FED_CLOCK_SKEW_MS). */
  readonly extra?: Readonly<Record<string, Readonly<Record<string, string>>>>;
};

/** The fleet's node descriptions, each in `<root>/nodes/<short>` (pure: nothing is created). */
export function fleetNodes(root: string, ports: readonly number[], count: number): FleetNode[] {
  return Array.from({ length: count }, (_, i) => {
    const short = `node-${String(i + 1)}`;
    const dir = join(root, 'nodes', short);
    return {
      id: `region/${E2E_REGION}/${short}`,
      short,
      dir,
      keyPath: join(dir, 'keys', 'node.key'),
      credPath: join(dir, 'cred'),
      chainPath: join(dir, 'cred-chain'),
      joinTokenPath: join(dir, 'join-token'),
      httpPort: ports[i] ?? 0,
    };
  });
}

/** compose's `x-service-env` (loopback, any free health port), the process's login and instance. */
function common(ctx: EnvContext, instance: string, login: NatsLogin): Record<string, string> {
  return {
    NATS_URL: ctx.natsUrl,
    NATS_USER: login.user,
    NATS_PASSWORD_FILE: login.passwordFile,
    NATS_STREAM_REPLICAS: '3',
    DATABASE_URL: ctx.databaseUrl,
    PGPASSFILE: ctx.files.pgpassFile,
    LOG_LEVEL: 'info',
    HEALTH_HOST: '127.0.0.1',
    HEALTH_PORT: '0',
    INSTANCE_ID: instance,
    SHUTDOWN_TIMEOUT: '5s',
  };
}

/** `common` for a control-plane service: it logs in as the user of its role (`issuer`, …). */
function control(ctx: EnvContext, role: NatsRole, instance: string): Record<string, string> {
  return common(ctx, instance, ctx.files.natsLogin(role));
}

function spec(
  ctx: EnvContext,
  name: string,
  service: string,
  env: Record<string, string>,
): ServiceSpec {
  return { name, service, env: { ...env, ...ctx.extra?.[name] } };
}

/** Two of each control-plane service, as `--scale <svc>=2` runs them. */
export function controlSpecs(ctx: EnvContext, approvalsPorts: readonly number[]): ServiceSpec[] {
  const { files } = ctx;
  const specs: ServiceSpec[] = [];
  for (const n of [1, 2]) {
    const i = String(n);
    specs.push(
      spec(ctx, `issuer-${i}`, 'issuer', {
        ...control(ctx, NatsRole.issuer, `issuer-${i}`),
        ISSUER_TRUST_DOMAIN: E2E_TRUST_DOMAIN,
        ISSUER_KEY_DIR: files.issuerKeyDir,
        ISSUER_SERVICE_SECRETS_FILE: files.serviceSecretsFile,
        ISSUER_REFRESH_HINT_S: String(REFRESH_HINT_S),
      }),
    );
  }
  for (const n of [1, 2]) {
    const i = String(n);
    specs.push(
      spec(ctx, `auditor-${i}`, 'auditor', {
        ...control(ctx, NatsRole.auditor, `auditor-${i}`),
        SERVICE_SECRET_FILE: files.secretFile('auditor'),
        AUDITOR_CHECKPOINT_INTERVAL: '2s',
        AUDITOR_LEASE_TTL: '5s',
      }),
      spec(ctx, `reconciler-${i}`, 'reconciler', {
        ...control(ctx, NatsRole.reconciler, `reconciler-${i}`),
        SERVICE_SECRET_FILE: files.secretFile('reconciler'),
        RECONCILER_INTERVAL: '2s',
        RECONCILER_DEBOUNCE: '200ms',
        RECONCILER_MIN_REMAINING: '30s',
        RECONCILER_LEASE_TTL: '5s',
      }),
      spec(ctx, `approvals-${i}`, 'approvals', {
        ...control(ctx, NatsRole.approvals, `approvals-${i}`),
        SERVICE_SECRET_FILE: files.secretFile('approvals'),
        HTTP_PORT: String(approvalsPorts[n - 1] ?? 0),
        APPROVALS_HTTP_HOST: '127.0.0.1',
        APPROVALS_API_KEYS_FILE: files.apiKeyFile,
        APPROVALS_HMAC_SECRET_FILE: files.hmacSecretFile,
        APPROVALS_LEASE_TTL: '5s',
      }),
    );
  }
  return specs;
}

/** Every node may push as itself and read the e2e namespace (sync.md: no scope = deny). */
export function peerScopes(nodes: readonly FleetNode[]): string {
  const scopes: Record<
    string,
    { allowed_sender_agent_ids: string[]; allowed_namespaces: string[] }
  > = {};
  for (const node of nodes) {
    scopes[node.id] = { allowed_sender_agent_ids: [], allowed_namespaces: ['e2e/**'] };
  }
  return JSON.stringify(scopes);
}

/** The renewal-agent (issuer mode, join token from enrollment) and sync-gateway of one node. */
export function nodeSpecs(ctx: EnvContext, node: FleetNode): [ServiceSpec, ServiceSpec] {
  const identity = {
    FED_NODE_ID: node.id,
    FED_KEY_PATH: node.keyPath,
    FED_CRED_PATH: node.credPath,
    FED_CRED_CHAIN_PATH: node.chainPath,
  };
  return [
    spec(ctx, `agent-${node.short}`, 'renewal-agent', {
      ...common(ctx, node.short, ctx.files.natsLogin(NatsRole.renewalAgent, node.id)),
      ...identity,
      FED_JOIN_TOKEN_FILE: node.joinTokenPath,
      FED_STATUS_INTERVAL: '2s',
      FED_RENEW_BEFORE: NODE_RENEW_BEFORE,
    }),
    spec(ctx, `gateway-${node.short}`, 'sync-gateway', {
      ...common(ctx, node.short, ctx.files.natsLogin(NatsRole.syncGateway, node.id)),
      ...identity,
      SERVICE_SECRET_FILE: ctx.files.secretFile('sync-gateway'),
      SYNC_HTTP_HOST: '127.0.0.1',
      SYNC_HTTP_PORT: String(node.httpPort),
      SYNC_PEER_SCOPES: peerScopes(ctx.nodes),
      FED_IDENTITY_POLL: '1s',
    }),
  ];
}

/** The inventory YAML (reconciler.md) of `nodes`, quorum 2, strict. */
export function inventoryYaml(nodes: readonly FleetNode[]): string {
  const lines = [
    `trust_domain: ${E2E_TRUST_DOMAIN}`,
    'regions:',
    `  - name: ${E2E_REGION}`,
    '    nodes:',
  ];
  for (const node of nodes) {
    lines.push(
      `      - id: ${node.id}`,
      '        attestor: join-token',
      `        cred_ttl: ${NODE_CRED_TTL}`,
      `        renew_before: ${NODE_RENEW_BEFORE}`,
      '        roles: [writer]',
    );
  }
  lines.push('quorum: { width: 2 }', 'enforcement: { require_sig: true }', '');
  return lines.join('\n');
}
