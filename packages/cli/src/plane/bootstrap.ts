import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlaneHome } from './plane-home.js';

/**
 * First-start bootstrap of the local plane, idempotent: the directories, one bootstrap secret per
 * service (`secrets/<service>.secret`, 0600) and the issuer's `service-secrets.json` with their
 * SHA-256 (identity.md service attestation), and the approvals API key and HMAC secret. The issuer
 * creates its own key in `issuer-keys/` on its first start; every service applies its own
 * migrations at start.
 */

/** Services that attest with a bootstrap secret. */
export const ATTESTING_SERVICES = ['auditor', 'reconciler', 'approvals', 'sync-gateway'] as const;
/** One of them. */
export type AttestingService = (typeof ATTESTING_SERVICES)[number];

/** Paths of the generated secrets. */
export type PlaneSecrets = {
  readonly serviceSecretFile: (service: AttestingService) => string;
  readonly approvalsApiKeyFile: string;
  readonly approvalsHmacSecretFile: string;
};

/** Reads a secret file, creating it with `bytes` random bytes (base64url) when absent. */
export function ensureSecretFile(path: string, bytes = 32): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = randomBytes(bytes).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Creates (or reuses) everything the services need before they start. */
export function bootstrapPlane(home: PlaneHome): PlaneSecrets {
  mkdirSync(home.root, { recursive: true, mode: 0o755 });
  for (const dir of [home.logsDir, home.nodesDir]) mkdirSync(dir, { recursive: true });
  for (const dir of [home.secretsDir, home.issuerKeyDir])
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  const serviceSecretFile = (service: AttestingService): string =>
    join(home.secretsDir, `${service}.secret`);
  const hashes: Record<string, string> = {};
  for (const service of ATTESTING_SERVICES) {
    const secret = ensureSecretFile(serviceSecretFile(service));
    hashes[service] = createHash('sha256').update(secret, 'utf8').digest('hex');
  }
  writeFileSync(home.serviceSecretsFile, `${JSON.stringify(hashes, null, 2)}\n`, { mode: 0o600 });
  const approvalsApiKeyFile = join(home.secretsDir, 'approvals-api-key');
  const approvalsHmacSecretFile = join(home.secretsDir, 'approvals-hmac-secret');
  ensureSecretFile(approvalsApiKeyFile);
  ensureSecretFile(approvalsHmacSecretFile);
  return { serviceSecretFile, approvalsApiKeyFile, approvalsHmacSecretFile };
}
