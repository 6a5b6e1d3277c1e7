import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The bootstrap of the e2e plane, as `fedplane bootstrap` does it for docker-compose: one
 * bootstrap secret per attesting service (a file, 0600) and the issuer's
 * `ISSUER_SERVICE_SECRETS_FILE` with their SHA-256, the approvals API key and HMAC secret, the
 * (empty, 0700) issuer key directory the issuers share, and one directory per node.
 */

/** Services that attest with a bootstrap secret (the issuer signs its own identity). */
export const ATTESTING = ['auditor', 'reconciler', 'approvals', 'sync-gateway'] as const;
/** One of them. */
export type AttestingService = (typeof ATTESTING)[number];

/** Paths (and the two approvals secrets, which the test uses as the operator). */
export type PlaneFiles = {
  readonly root: string;
  readonly issuerKeyDir: string;
  readonly serviceSecretsFile: string;
  readonly secretFile: (service: AttestingService) => string;
  readonly apiKeyFile: string;
  readonly hmacSecretFile: string;
  readonly apiKey: string;
  readonly hmacSecret: string;
  readonly nodeDir: (short: string) => string;
};

function secret(): string {
  return randomBytes(32).toString('base64url');
}

function writeSecret(path: string, value: string): void {
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
}

/** Creates every file under `root` (a fresh directory). */
export function bootstrapFiles(root: string): PlaneFiles {
  const secretsDir = join(root, 'secrets');
  const issuerKeyDir = join(root, 'issuer-keys');
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  mkdirSync(issuerKeyDir, { recursive: true, mode: 0o700 });
  const secretFile = (service: AttestingService): string => join(secretsDir, `${service}.secret`);
  const hashes: Record<string, string> = {};
  for (const service of ATTESTING) {
    const value = secret();
    writeSecret(secretFile(service), value);
    hashes[service] = createHash('sha256').update(value, 'utf8').digest('hex');
  }
  const serviceSecretsFile = join(secretsDir, 'service-secrets.json');
  writeFileSync(serviceSecretsFile, `${JSON.stringify(hashes)}\n`, { mode: 0o600 });
  const apiKey = secret();
  const hmacSecret = secret();
  const apiKeyFile = join(secretsDir, 'approvals-api-key');
  const hmacSecretFile = join(secretsDir, 'approvals-hmac-secret');
  writeSecret(apiKeyFile, apiKey);
  writeSecret(hmacSecretFile, hmacSecret);
  const nodeDir = (short: string): string => {
    const dir = join(root, 'nodes', short);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  };
  return {
    root,
    issuerKeyDir,
    serviceSecretsFile,
    secretFile,
    apiKeyFile,
    hmacSecretFile,
    apiKey,
    hmacSecret,
    nodeDir,
  };
}
