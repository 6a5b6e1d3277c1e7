import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from '@fedplane/audit-store';
import {
  ED25519_SEED_BYTES,
  SERVICE_NAMES,
  isValidIssuerId,
  publicKeyFromSeed,
  sha256Hex,
  utf8,
  type ServiceName,
} from '@fedplane/core';
import { renderPasswordsInclude, type NatsUserManifestEntry } from '@fedplane/messaging';
import pg from 'pg';
import { z } from 'zod';
import { optionalString, requireString, type ParsedArgs } from '../args.js';
import type { Command, CommandResult } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { UsageError } from '../usage-error.js';

/**
 * `fedplane bootstrap`: the one-shot preparation docker-compose runs before anything else
 * (operations.md, Running). Idempotent: existing secrets and keys are kept, so a second run
 * changes nothing. Under `--secrets-dir D` it writes
 *
 * - `D/service/<service>`: a random bootstrap secret per service (0600), for `SERVICE_SECRET_FILE`;
 * - `D/service-secrets.json`: their SHA-256, for the issuer's `ISSUER_SERVICE_SECRETS_FILE`;
 * - `D/approvals/api-keys` and `D/approvals/hmac-secret` (0600), for `APPROVALS_*_FILE`;
 * - with `--nats-users FILE` (`deploy/nats-users.json`): `D/nats/<key>` (0600), the password of
 *   each NATS user, for `NATS_PASSWORD_FILE`, and `D/nats-passwords.conf`, the variables the
 *   generated `nats.conf` includes;
 *
 * with `--postgres-password-dir`, the database password (see {@link bootstrapPostgresPassword}),
 * and, with `--issuer-key-dir`, the issuer key (`<dir>/<issuer_id>.priv` raw 32-byte seed 0600,
 * `.pub` raw public key), with `--database-url`, the audit-store migrations and the auditor role
 * (the other services migrate their own tables at start).
 */

const ManifestSchema = z.array(
  z.object({
    user: z.string().min(1),
    role: z.string().min(1),
    nodes: z.array(z.string()),
    key: z.string().regex(/^[a-z0-9-]{1,64}$/),
    password_var: z.string().regex(/^[A-Z][A-Z0-9_]{0,127}$/),
  }),
);

/** What one run did: the files it created (existing ones are listed as kept). */
export type BootstrapReport = {
  readonly created: string[];
  readonly kept: string[];
  migrations?: { readonly applied: number };
};

const newSecret = (): string => randomBytes(32).toString('base64url');

function isMissing(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'ENOENT';
}

/** Writes `content` to `path` (0600) unless it exists; returns the content in place. */
function ensureSecretFile(path: string, content: () => string, report: BootstrapReport): string {
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing !== '') {
      report.kept.push(path);
      return existing;
    }
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  const value = content();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  report.created.push(path);
  return value;
}

function writeOwned(path: string, text: string, report: BootstrapReport): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
  report.created.push(path);
}

/** Services that attest with a bootstrap secret (the issuer signs itself; nodes use join tokens). */
export const ATTESTING_SERVICES: readonly ServiceName[] = Object.values(SERVICE_NAMES).filter(
  (s) => s !== 'issuer' && s !== 'renewal-agent',
);

/** The service secrets, the issuer's hash file, and the approvals API key and HMAC secret. */
export function bootstrapServiceSecrets(dir: string, report: BootstrapReport): void {
  const serviceDir = join(dir, 'service');
  const approvalsDir = join(dir, 'approvals');
  for (const d of [serviceDir, approvalsDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
  ensureSecretFile(join(approvalsDir, 'api-keys'), newSecret, report);
  ensureSecretFile(join(approvalsDir, 'hmac-secret'), newSecret, report);
  const hashes: Record<string, string> = {};
  for (const service of ATTESTING_SERVICES) {
    const secret = ensureSecretFile(join(serviceDir, service), newSecret, report);
    hashes[service] = sha256Hex(utf8(secret));
  }
  writeOwned(join(dir, 'service-secrets.json'), `${JSON.stringify(hashes, null, 2)}\n`, report);
}

/** Parses the users manifest; a bad file is a usage error (exit 2). */
export function readUserManifest(text: string, path: string): NatsUserManifestEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not JSON (generate it with scripts/gen-nats-conf.ts)`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(`${path} is not a NATS users manifest`);
  return parsed.data as NatsUserManifestEntry[];
}

/** The NATS password files and the passwords include of the users in `manifest`. */
export function bootstrapNatsPasswords(
  dir: string,
  manifest: readonly NatsUserManifestEntry[],
  report: BootstrapReport,
): void {
  const natsDir = join(dir, 'nats');
  mkdirSync(natsDir, { recursive: true, mode: 0o700 });
  const passwords = new Map<string, string>();
  for (const entry of manifest) {
    passwords.set(entry.key, ensureSecretFile(join(natsDir, entry.key), newSecret, report));
  }
  const users = manifest.map((e) => ({ key: e.key, passwordVar: e.password_var }));
  writeOwned(join(dir, 'nats-passwords.conf'), renderPasswordsInclude(users, passwords), report);
}

/** The issuer root key, in the issuer's key-directory format, when absent. */
export function bootstrapIssuerKey(dir: string, issuerId: string, report: BootstrapReport): void {
  if (!isValidIssuerId(issuerId)) throw new UsageError(`not a valid issuer id: ${issuerId}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privPath = join(dir, `${issuerId}.priv`);
  let seed: Uint8Array;
  try {
    seed = new Uint8Array(readFileSync(privPath));
    report.kept.push(privPath);
  } catch (err) {
    if (!isMissing(err)) throw err;
    seed = new Uint8Array(randomBytes(ED25519_SEED_BYTES));
    writeFileSync(privPath, seed, { mode: 0o600, flag: 'wx' });
    report.created.push(privPath);
  }
  if (seed.byteLength !== ED25519_SEED_BYTES) {
    throw new UsageError(`${privPath} is not a raw 32-byte seed; refusing to touch it`);
  }
  writeFileSync(join(dir, `${issuerId}.pub`), publicKeyFromSeed(seed), { mode: 0o644 });
}

/** Where {@link bootstrapPostgresPassword} writes. */
export type PostgresPasswordTarget = {
  /** Directory the postgres container reads `password` from (`POSTGRES_PASSWORD_FILE`). */
  readonly dir: string;
  readonly host: string;
  readonly user: string;
};

/**
 * The database password: `<dir>/password` (0644 in a 0755 directory: the postgres image reads it
 * as its own user; mount that directory into postgres only) and `D/postgres/pgpass` (0600, the
 * services' `PGPASSFILE`, so `DATABASE_URL` carries no password).
 */
export function bootstrapPostgresPassword(
  secretsDir: string,
  target: PostgresPasswordTarget,
  report: BootstrapReport,
): void {
  mkdirSync(target.dir, { recursive: true, mode: 0o755 });
  const path = join(target.dir, 'password');
  const password = ensureSecretFile(path, newSecret, report);
  chmodSync(path, 0o644);
  const pgDir = join(secretsDir, 'postgres');
  mkdirSync(pgDir, { recursive: true, mode: 0o700 });
  writeOwned(join(pgDir, 'pgpass'), `${target.host}:5432:*:${target.user}:${password}\n`, report);
}

const quietLog = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

async function run(args: ParsedArgs, io: { err: (t: string) => void }): Promise<CommandResult> {
  const dir = requireString(args, 'secrets-dir');
  const usersFile = optionalString(args, 'nats-users');
  const keyDir = optionalString(args, 'issuer-key-dir');
  const databaseUrl = optionalString(args, 'database-url');
  const manifest =
    usersFile === undefined ? undefined : readUserManifest(readFile(usersFile), usersFile);
  const report: BootstrapReport = { created: [], kept: [] };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  bootstrapServiceSecrets(dir, report);
  if (manifest !== undefined) bootstrapNatsPasswords(dir, manifest, report);
  const pgDir = optionalString(args, 'postgres-password-dir');
  if (pgDir !== undefined) {
    bootstrapPostgresPassword(
      dir,
      {
        dir: pgDir,
        host: optionalString(args, 'postgres-host') ?? 'postgres',
        user: optionalString(args, 'postgres-user') ?? 'fedplane',
      },
      report,
    );
  }
  if (keyDir !== undefined) {
    bootstrapIssuerKey(keyDir, optionalString(args, 'issuer-id') ?? 'root', report);
  }
  if (databaseUrl !== undefined) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    try {
      const result = await migrate(pool, { log: quietLog });
      report.migrations = { applied: result.applied.length };
    } catch (err) {
      io.err(`bootstrap: migrations failed: ${err instanceof Error ? err.message : String(err)}`);
      return {
        exitCode: ExitCode.NEGATIVE,
        json: { ok: false, error: 'UNAVAILABLE', message: 'migrations failed', ...report },
        text: 'bootstrap failed: audit-store migrations could not run',
      };
    } finally {
      await pool.end();
    }
  }
  return {
    exitCode: ExitCode.OK,
    json: { ok: true, ...report },
    text: [
      `bootstrap: ${report.created.length} file(s) written, ${report.kept.length} kept in ${dir}`,
      ...(report.migrations === undefined
        ? []
        : [`audit-store migrations applied: ${report.migrations.applied}`]),
    ].join('\n'),
  };
}

function readFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new UsageError(`cannot read ${path} (${typeof code === 'string' ? code : 'error'})`);
  }
}

/** `fedplane bootstrap`. */
export const bootstrapCommand: Command = {
  path: ['bootstrap'],
  synopsis:
    '--secrets-dir D [--nats-users FILE] [--issuer-key-dir DIR] [--postgres-password-dir P] [--database-url URL]',
  summary: 'Prepare secrets, NATS passwords, the issuer key and the audit database (idempotent).',
  details: `Writes, under D (0700): service/<service> (a bootstrap secret per service, 0600, for
SERVICE_SECRET_FILE), service-secrets.json (their SHA-256, for ISSUER_SERVICE_SECRETS_FILE),
approvals/api-keys and approvals/hmac-secret (for APPROVALS_API_KEYS_FILE, _HMAC_SECRET_FILE).
With --nats-users (deploy/nats-users.json from scripts/gen-nats-conf.ts): nats/<key> (the password
of each NATS user, for NATS_PASSWORD_FILE) and nats-passwords.conf (included by deploy/nats.conf).
With --issuer-key-dir: the issuer key <ID>.priv (raw 32-byte seed, 0600) and <ID>.pub; ID defaults
to root. With --postgres-password-dir P: P/password (0644, for the postgres image's
POSTGRES_PASSWORD_FILE) and D/postgres/pgpass (0600, for PGPASSFILE; --postgres-host, default
postgres, --postgres-user, default fedplane). With --database-url: the audit-store migrations and
the fedplane_auditor role (services also migrate their own tables at start).
Existing secrets and keys are never replaced; run it again after adding nodes to the manifest.`,
  options: {
    'secrets-dir': { type: 'string' },
    'nats-users': { type: 'string' },
    'issuer-key-dir': { type: 'string' },
    'issuer-id': { type: 'string' },
    'database-url': { type: 'string' },
    'postgres-password-dir': { type: 'string' },
    'postgres-host': { type: 'string' },
    'postgres-user': { type: 'string' },
  },
  run: (args, io) => run(args, io),
};
