import { readFile } from 'node:fs/promises';
import { ConfigError } from '@fedplane/runtime';
import { parseServiceSecrets, type ServiceSecretHashes } from '../core/service-secrets.js';

/**
 * Reads `ISSUER_SERVICE_SECRETS_FILE` (see core `service-secrets.ts` for the format). No file
 * configured → no service may attest (an empty map). An unreadable or invalid file is a
 * `ConfigError` at startup, before anything is served.
 */
export async function loadServiceSecrets(path: string | undefined): Promise<ServiceSecretHashes> {
  if (path === undefined) return new Map();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new ConfigError(
      [
        `ISSUER_SERVICE_SECRETS_FILE: cannot read ${path} (${typeof code === 'string' ? code : 'unreadable'})`,
      ],
      { cause: err },
    );
  }
  const parsed = parseServiceSecrets(text);
  if (!parsed.ok) {
    throw new ConfigError(parsed.problems.map((p) => `ISSUER_SERVICE_SECRETS_FILE: ${p}`));
  }
  return parsed.value;
}
