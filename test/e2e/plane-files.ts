import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsRole, NatsUserManifestEntry } from '@fedplane/messaging';
import { renderNatsFiles } from '../../scripts/gen-nats-conf.js';
import { runFedplane } from './plane-cli.js';

/**
 * The bootstrap of the e2e plane, as docker-compose does it: `<root>/nats.conf` and
 * `<root>/nats-users.json` generated for the fleet's nodes (scripts/gen-nats-conf.ts), then the
 * real one-shot `fedplane bootstrap` (its own process, the flags of compose's `bootstrap`
 * service). The layout is compose's: the configuration includes `secrets/nats-passwords.conf`
 * relative to itself, as /etc/nats/nats.conf includes /etc/nats/secrets/…, and every service
 * reads its secrets from what the bootstrap wrote under `<root>/secrets`.
 */

/** Services that attest with a bootstrap secret (the issuer signs its own identity). */
export const ATTESTING = ['auditor', 'reconciler', 'approvals', 'sync-gateway'] as const;
/** One of them. */
export type AttestingService = (typeof ATTESTING)[number];

/** A NATS login as the services get it: `NATS_USER` and `NATS_PASSWORD_FILE`. */
export type NatsLogin = {
  readonly user: string;
  readonly passwordFile: string;
};

/** Where everything lives under the plane's root (pure: nothing is read or written). */
export type PlaneLayout = {
  readonly root: string;
  /** The nats-server configuration every cluster member runs with. */
  readonly natsConfFile: string;
  /** The users manifest the bootstrap reads (`--nats-users`). */
  readonly natsUsersFile: string;
  /** `--secrets-dir`. */
  readonly secretsDir: string;
  /** `--issuer-key-dir`, shared by the issuers (`ISSUER_KEY_DIR`). */
  readonly issuerKeyDir: string;
  /** `--postgres-password-dir` (what compose mounts into the postgres container). */
  readonly postgresPasswordDir: string;
  readonly serviceSecretsFile: string;
  readonly secretFile: (service: AttestingService) => string;
  readonly apiKeyFile: string;
  readonly hmacSecretFile: string;
  /** `PGPASSFILE`. */
  readonly pgpassFile: string;
  /** The login of `role` (for a node role, the user acting for `node`); throws when none. */
  readonly natsLogin: (role: NatsRole, node?: string) => NatsLogin;
};

/** The layout plus the two approvals secrets, which the test uses as the operator. */
export type PlaneFiles = PlaneLayout & {
  readonly apiKey: string;
  readonly hmacSecret: string;
};

/** The layout of `root` for the NATS users of `manifest`. */
export function planeLayout(root: string, manifest: readonly NatsUserManifestEntry[]): PlaneLayout {
  const secretsDir = join(root, 'secrets');
  return {
    root,
    natsConfFile: join(root, 'nats.conf'),
    natsUsersFile: join(root, 'nats-users.json'),
    secretsDir,
    issuerKeyDir: join(root, 'issuer-keys'),
    postgresPasswordDir: join(root, 'postgres'),
    serviceSecretsFile: join(secretsDir, 'service-secrets.json'),
    secretFile: (service) => join(secretsDir, 'service', service),
    apiKeyFile: join(secretsDir, 'approvals', 'api-keys'),
    hmacSecretFile: join(secretsDir, 'approvals', 'hmac-secret'),
    pgpassFile: join(secretsDir, 'postgres', 'pgpass'),
    natsLogin: (role, node) => {
      const entry = manifest.find(
        (u) =>
          u.role === role && (node === undefined ? u.nodes.length === 0 : u.nodes.includes(node)),
      );
      if (entry === undefined) throw new Error(`no NATS user for ${role} ${node ?? ''}`.trim());
      return { user: entry.user, passwordFile: join(secretsDir, 'nats', entry.key) };
    },
  };
}

/** The trimmed content of a secret file. */
export function readSecret(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

/**
 * Writes the NATS configuration and users manifest for `nodes` under `root` (a fresh
 * directory), runs `fedplane bootstrap` as compose's `bootstrap` service does (Postgres at
 * 127.0.0.1 as `postgres`), and returns where its outputs are. Rejects with the CLI's output
 * when the bootstrap fails.
 */
export async function bootstrapPlane(root: string, nodes: readonly string[]): Promise<PlaneFiles> {
  const rendered = await renderNatsFiles({ nodes });
  const manifest = JSON.parse(rendered.users) as NatsUserManifestEntry[];
  const layout = planeLayout(root, manifest);
  writeFileSync(layout.natsConfFile, rendered.conf);
  writeFileSync(layout.natsUsersFile, rendered.users);
  const run = await runFedplane(
    [
      'bootstrap',
      '--secrets-dir',
      layout.secretsDir,
      '--nats-users',
      layout.natsUsersFile,
      '--issuer-key-dir',
      layout.issuerKeyDir,
      '--postgres-password-dir',
      layout.postgresPasswordDir,
      '--postgres-host',
      '127.0.0.1',
      '--postgres-user',
      'postgres',
    ],
    {},
  );
  if (run.code !== 0) {
    throw new Error(`fedplane bootstrap exited ${String(run.code)}\n${run.stdout}\n${run.stderr}`);
  }
  return {
    ...layout,
    apiKey: readSecret(layout.apiKeyFile),
    hmacSecret: readSecret(layout.hmacSecretFile),
  };
}
