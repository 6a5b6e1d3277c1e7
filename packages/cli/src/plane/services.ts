import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PlaneSecrets } from './bootstrap.js';
import { nodeFiles, type PlaneHome } from './plane-home.js';

/**
 * The service processes of the local plane and the environment each gets (the variables of
 * each service's `src/config.ts`). Every service runs as `node --import tsx
 * --conditions=@fedplane/source services/<svc>/src/main.ts`, as `pnpm --filter @fedplane/<svc>
 * start` does, with its own health port. A service whose `main.ts` does not exist (yet) is skipped.
 */

/** Trust domain of the local plane's credentials and inventory. */
export const LOCAL_TRUST_DOMAIN = 'fedplane.local';
/** Instance id of the single instance of each service. */
export const LOCAL_INSTANCE = 'local';

/** What every service env is built from. */
export type PlaneContext = {
  readonly repoRoot: string;
  readonly home: PlaneHome;
  readonly secrets: PlaneSecrets;
  readonly natsUrl: string;
  readonly databaseUrl: string;
  readonly logLevel: string;
};

/** One service process to start. */
export type ServiceProcess = {
  /** Log prefix and log file name (`issuer`, `agent:node-1`). */
  readonly name: string;
  /** The service package (`issuer`, `renewal-agent`, …). */
  readonly service: string;
  readonly node?: string;
  readonly main: string;
  readonly env: Readonly<Record<string, string>>;
  readonly healthPort: number;
  readonly httpPort?: number;
};

/** The main module of `service` under the repository root. */
export function serviceMain(repoRoot: string, service: string): string {
  return join(repoRoot, 'services', service, 'src', 'main.ts');
}

/** True when the service has a composition root to run. */
export function serviceExists(repoRoot: string, service: string): boolean {
  return existsSync(serviceMain(repoRoot, service));
}

function common(ctx: PlaneContext, healthPort: number, instance: string): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    NATS_URL: ctx.natsUrl,
    LOG_LEVEL: ctx.logLevel,
    HEALTH_HOST: '127.0.0.1',
    HEALTH_PORT: String(healthPort),
    INSTANCE_ID: instance,
    SHUTDOWN_TIMEOUT: '8s',
  };
}

/** The control-plane services (one instance each), in start order. */
export function controlServices(ctx: PlaneContext, ports: readonly number[]): ServiceProcess[] {
  const port = (i: number): number => ports[i] ?? 0;
  const { secrets, home } = ctx;
  const all: ServiceProcess[] = [
    {
      name: 'issuer',
      service: 'issuer',
      main: serviceMain(ctx.repoRoot, 'issuer'),
      healthPort: port(0),
      env: {
        ...common(ctx, port(0), LOCAL_INSTANCE),
        DATABASE_URL: ctx.databaseUrl,
        ISSUER_TRUST_DOMAIN: LOCAL_TRUST_DOMAIN,
        ISSUER_KEY_DIR: home.issuerKeyDir,
        ISSUER_SERVICE_SECRETS_FILE: home.serviceSecretsFile,
        ISSUER_REFRESH_HINT_S: '10',
      },
    },
    {
      name: 'auditor',
      service: 'auditor',
      main: serviceMain(ctx.repoRoot, 'auditor'),
      healthPort: port(1),
      env: {
        ...common(ctx, port(1), LOCAL_INSTANCE),
        DATABASE_URL: ctx.databaseUrl,
        SERVICE_SECRET_FILE: secrets.serviceSecretFile('auditor'),
        AUDITOR_CHECKPOINT_INTERVAL: '2s',
      },
    },
    {
      name: 'reconciler',
      service: 'reconciler',
      main: serviceMain(ctx.repoRoot, 'reconciler'),
      healthPort: port(2),
      env: {
        ...common(ctx, port(2), LOCAL_INSTANCE),
        DATABASE_URL: ctx.databaseUrl,
        SERVICE_SECRET_FILE: secrets.serviceSecretFile('reconciler'),
        RECONCILER_INTERVAL: '2s',
      },
    },
    {
      name: 'approvals',
      service: 'approvals',
      main: serviceMain(ctx.repoRoot, 'approvals'),
      healthPort: port(3),
      httpPort: port(4),
      env: {
        ...common(ctx, port(3), LOCAL_INSTANCE),
        DATABASE_URL: ctx.databaseUrl,
        SERVICE_SECRET_FILE: secrets.serviceSecretFile('approvals'),
        HTTP_PORT: String(port(4)),
        APPROVALS_HTTP_HOST: '127.0.0.1',
        APPROVALS_API_KEYS_FILE: secrets.approvalsApiKeyFile,
        APPROVALS_SWEEP_INTERVAL: '10s',
        APPROVALS_HMAC_SECRET_FILE: secrets.approvalsHmacSecretFile,
      },
    },
  ];
  return all.filter((s) => serviceExists(ctx.repoRoot, s.service));
}

/** How many ports {@link controlServices} takes. */
export const CONTROL_PORTS = 5;

/**
 * The demo gateways' peer scopes: every demo node may push as itself and pull the `demo/**`
 * namespaces (sync.md: no scope = deny).
 */
export function demoPeerScopes(peers: readonly string[]): string {
  const scopes: Record<
    string,
    { allowed_sender_agent_ids: string[]; allowed_namespaces: string[] }
  > = {};
  for (const peer of peers) {
    scopes[peer] = { allowed_sender_agent_ids: [], allowed_namespaces: ['demo/**'] };
  }
  return JSON.stringify(scopes);
}

/** The processes of one demo node: its renewal-agent and its sync-gateway. */
export function nodeServices(
  ctx: PlaneContext,
  node: { readonly id: string; readonly short: string; readonly peers: readonly string[] },
  ports: readonly [number, number, number],
): ServiceProcess[] {
  const files = nodeFiles(ctx.home, node.id);
  const [agentHealth, syncHealth, syncHttp] = ports;
  const identity = {
    FED_NODE_ID: node.id,
    FED_KEY_PATH: files.keyPath,
    FED_CRED_PATH: files.credPath,
    FED_CRED_CHAIN_PATH: files.chainPath,
  };
  const all: ServiceProcess[] = [
    {
      name: `agent:${node.short}`,
      service: 'renewal-agent',
      node: node.id,
      main: serviceMain(ctx.repoRoot, 'renewal-agent'),
      healthPort: agentHealth,
      env: {
        ...common(ctx, agentHealth, node.short),
        ...identity,
        FED_JOIN_TOKEN_FILE: files.joinTokenPath,
        FED_STATUS_INTERVAL: '5s',
      },
    },
    {
      name: `sync:${node.short}`,
      service: 'sync-gateway',
      node: node.id,
      main: serviceMain(ctx.repoRoot, 'sync-gateway'),
      healthPort: syncHealth,
      httpPort: syncHttp,
      env: {
        ...common(ctx, syncHealth, node.short),
        ...identity,
        DATABASE_URL: ctx.databaseUrl,
        SERVICE_SECRET_FILE: ctx.secrets.serviceSecretFile('sync-gateway'),
        SYNC_HTTP_PORT: String(syncHttp),
        SYNC_HTTP_HOST: '127.0.0.1',
        SYNC_PEER_SCOPES: demoPeerScopes(node.peers),
      },
    },
  ];
  return all.filter((s) => serviceExists(ctx.repoRoot, s.service));
}
