import {
  SERVICE_NAMES,
  constantTimeEqual,
  fromHex,
  parseJsonText,
  sha256,
  utf8,
  type ServiceName,
} from '@fedplane/core';

/**
 * Service attestation secrets (identity.md): the issuer holds the SHA-256 of one bootstrap secret
 * per service, read from `ISSUER_SERVICE_SECRETS_FILE`: a JSON object
 * `{"<service>": "<64 hex chars: SHA-256 of the secret's UTF-8 bytes>", ...}` whose keys are
 * service names (bus.md). The secrets themselves never reach the issuer's disk.
 */

/** Service name → SHA-256 (32 bytes) of its bootstrap secret. */
export type ServiceSecretHashes = ReadonlyMap<ServiceName, Uint8Array>;

/** Result of {@link parseServiceSecrets}: the map, or one line per problem. */
export type ServiceSecretsParse =
  | { readonly ok: true; readonly value: ServiceSecretHashes }
  | { readonly ok: false; readonly problems: readonly string[] };

const HEX64 = /^[0-9a-fA-F]{64}$/;

function isServiceName(name: string): name is ServiceName {
  return Object.hasOwn(SERVICE_NAMES, name);
}

/**
 * Parses the secrets file text. Problems: not JSON, not an object, a key that is not a service
 * name, a value that is not 64 hex characters. Hex is accepted in either case. Pure; never throws.
 */
export function parseServiceSecrets(text: string): ServiceSecretsParse {
  const json = parseJsonText(text);
  if (!json.ok) return { ok: false, problems: ['not JSON'] };
  const value = json.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problems: ['expected a JSON object {"<service>": "<sha256 hex>"}'] };
  }
  const problems: string[] = [];
  const map = new Map<ServiceName, Uint8Array>();
  for (const [name, hash] of Object.entries(value)) {
    if (!isServiceName(name)) {
      problems.push(`${JSON.stringify(name)}: not a service name`);
      continue;
    }
    const bytes =
      typeof hash === 'string' && HEX64.test(hash) ? fromHex(hash.toLowerCase()) : undefined;
    if (bytes === undefined) {
      problems.push(`${name}: expected 64 hex characters (SHA-256 of the secret)`);
      continue;
    }
    map.set(name, bytes);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: map };
}

const NO_HASH = new Uint8Array(32);

/**
 * True when `secret` hashes to the service's stored SHA-256. The comparison is constant-time and
 * an unknown service is compared against a dummy hash (so timing does not tell which services
 * exist), then refused. Pure; never throws.
 */
export function checkServiceSecret(
  hashes: ServiceSecretHashes,
  service: ServiceName,
  secret: string,
): boolean {
  const expected = hashes.get(service);
  const equal = constantTimeEqual(sha256(utf8(secret)), expected ?? NO_HASH);
  return expected !== undefined && equal;
}
