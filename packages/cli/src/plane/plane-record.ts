import type { PlaneSecrets } from './bootstrap.js';
import { DEMO_NODES } from './demo-fleet.js';
import type { PlaneFile } from './plane-file.js';
import { nodeFiles, type PlaneHome } from './plane-home.js';
import { serviceLogFile, type ServiceRunner } from './service-runner.js';
import { LOCAL_TRUST_DOMAIN } from './services.js';

/**
 * What `plane.json` records about a running plane: where NATS and Postgres are, every service
 * process with its health and HTTP URLs and log file, each demo node's key and credential files,
 * and how to reach the approvals API (URL, API key and HMAC secret files).
 */

function approvalsEntry(
  runner: ServiceRunner,
  secrets: PlaneSecrets,
): Pick<PlaneFile, 'approvals'> | Record<string, never> {
  const approvals = runner.services().find((s) => s.service === 'approvals');
  if (approvals?.httpPort === undefined) return {};
  return {
    approvals: {
      url: `http://127.0.0.1:${String(approvals.httpPort)}`,
      api_key_file: secrets.approvalsApiKeyFile,
      hmac_secret_file: secrets.approvalsHmacSecretFile,
    },
  };
}

/** The content of `plane.json` for the running plane. */
export function planeRecord(input: {
  home: PlaneHome;
  natsUrl: string;
  databaseUrl: string;
  managed: { nats: boolean; pg: boolean };
  runner: ServiceRunner;
  secrets: PlaneSecrets;
}): PlaneFile {
  const pids = new Map(input.runner.current().map((p) => [p.name, p.pid]));
  return {
    version: 1,
    pid: process.pid,
    started_at: new Date().toISOString(),
    home: input.home.root,
    nats_url: input.natsUrl,
    nats_managed: input.managed.nats,
    database_url: input.databaseUrl,
    database_managed: input.managed.pg,
    trust_domain: LOCAL_TRUST_DOMAIN,
    services: input.runner.services().map((s) => ({
      name: s.name,
      ...(s.node === undefined ? {} : { node: s.node }),
      ...(pids.get(s.name) === undefined ? {} : { pid: pids.get(s.name) }),
      health_url: `http://127.0.0.1:${String(s.healthPort)}/healthz`,
      ...(s.httpPort === undefined ? {} : { http_url: `http://127.0.0.1:${String(s.httpPort)}` }),
      log_file: serviceLogFile(input.home, s.name),
    })),
    ...approvalsEntry(input.runner, input.secrets),
    nodes: DEMO_NODES.map((n) => {
      const sync = input.runner
        .services()
        .find((s) => s.node === n.id && s.service === 'sync-gateway');
      return {
        id: n.id,
        key_path: nodeFiles(input.home, n.id).keyPath,
        cred_path: nodeFiles(input.home, n.id).credPath,
        ...(sync?.httpPort === undefined
          ? {}
          : { sync_url: `http://127.0.0.1:${String(sync.httpPort)}` }),
      };
    }),
  };
}
