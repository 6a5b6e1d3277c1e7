import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { AppError } from '@fedplane/core';
import { z } from 'zod';
import {
  envDuration,
  envEnum,
  envInteger,
  envPort,
  envRegistry,
  envString,
  envUrl,
  envUrlList,
  type EnvFieldMeta,
} from './env-fields.js';

/**
 * Environment configuration (house-style §2.6, operations.md "Running"): the shared fragment every
 * service extends, loading with every problem listed, and the exit-before-connect helper.
 */

/** pino levels accepted by `LOG_LEVEL`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** A `LOG_LEVEL` value. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Instance ids are one subject-safe token: they end `svc/<service>/<instance>`. */
const INSTANCE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A unique-per-process instance id: `<hostname>-<pid>-<6 hex random>`, with the hostname reduced
 * to `[A-Za-z0-9_-]` and at most 40 characters.
 */
export function defaultInstanceId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 40) || 'host';
  return `${host}-${String(process.pid)}-${randomBytes(3).toString('hex')}`;
}

const instanceIdField = z
  .string()
  .regex(INSTANCE_ID_RE, { error: 'expected 1-64 characters of [A-Za-z0-9_-]' })
  .default(() => defaultInstanceId())
  .register(envRegistry, {
    description: 'Unique id of this process; the service identity is svc/<service>/<instance>',
    type: 'string',
    defaultText: 'hostname-pid-random',
  });

/**
 * Variables every service shares. Services extend it (`BaseEnvSchema.extend({...})`) with their
 * own prefixed variables and cross-field `superRefine` checks.
 */
export const BaseEnvSchema = z.object({
  NATS_URL: envUrlList({
    description: 'NATS server URL(s), comma-separated',
    default: 'nats://127.0.0.1:4222',
    schemes: ['nats', 'tls', 'ws', 'wss'],
  }),
  NATS_USER: envString({
    description: 'NATS user name (deploy/nats.conf); unset = connect without credentials',
    maxLength: 256,
  }).optional(),
  NATS_PASSWORD: envString({
    description: 'Password of NATS_USER (or use NATS_PASSWORD_FILE)',
    secret: true,
    maxLength: 256,
  }).optional(),
  NATS_PASSWORD_FILE: envString({
    description: 'File holding the password of NATS_USER (written by fedplane bootstrap)',
  }).optional(),
  NATS_STREAM_REPLICAS: envInteger({
    description:
      'Replicas of the JetStream streams and KV buckets a service ensures at start (1 on one server, 3 on a 3-server cluster)',
    default: 1,
    min: 1,
    max: 5,
  }),
  DATABASE_URL: envUrl({
    description: 'Postgres connection URL (services with a database)',
    schemes: ['postgres', 'postgresql'],
    secret: true,
  }).optional(),
  LOG_LEVEL: envEnum(LOG_LEVELS, { description: 'pino log level', default: 'info' }),
  HEALTH_HOST: envString({
    description: 'Address the /healthz /readyz /metrics server listens on',
    default: '0.0.0.0',
  }),
  HEALTH_PORT: envPort({
    description: 'Port of the /healthz /readyz /metrics server',
    default: 8080,
  }),
  HTTP_PORT: envPort({ description: 'Port of the public HTTP API (HTTP services)' }).optional(),
  INSTANCE_ID: instanceIdField,
  SERVICE_SECRET: envString({
    description: 'Bootstrap secret the service attests with (or use SERVICE_SECRET_FILE)',
    secret: true,
    minLength: 16,
    maxLength: 512,
  }).optional(),
  SERVICE_SECRET_FILE: envString({
    description: 'File holding the bootstrap secret (mode 0600)',
  }).optional(),
  SHUTDOWN_TIMEOUT: envDuration({
    description: 'Graceful-stop deadline after SIGTERM',
    default: '10s',
    minMs: 1,
  }),
});
/** The parsed shared variables. */
export type BaseEnv = z.output<typeof BaseEnvSchema>;

/** Invalid configuration: every problem, one line each, in `problems`. */
export class ConfigError extends AppError<'CONFIG_INVALID'> {
  /** One human-readable line per problem (`VAR: what is wrong`). */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: ErrorOptions) {
    super('CONFIG_INVALID', `invalid configuration:\n${problems.join('\n')}`, options);
    this.name = 'ConfigError';
    this.problems = problems;
  }

  /** Builds the error from a zod error, one line per issue (`z.prettifyError` wording). */
  static fromZod(error: z.ZodError): ConfigError {
    const problems = error.issues.map((issue) => {
      const one = z.prettifyError(new z.ZodError([issue]));
      return one.replace(/^✖ /, '').replace(/\n\s*→ at /, ' → at ');
    });
    return new ConfigError(problems, { cause: error });
  }
}

/** Outcome of {@link loadConfig}. */
export type ConfigResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ConfigError };

/** The environment as passed in (`process.env` only in `main.ts`). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses `env` with `schema`. Empty values count as unset (compose files often pass `VAR=`).
 * Returns the typed config, or a {@link ConfigError} listing every problem. Never throws for bad
 * input.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env): ConfigResult<z.output<S>> {
  const cleaned: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[name] = value;
  }
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: ConfigError.fromZod(parsed.error) };
}

/** Where {@link exitOnConfigError} writes. */
export type TextSink = { write(text: string): unknown };

/**
 * For `main.ts`: returns the config, or prints every problem to `stderr` and exits 1 (before
 * anything connects). `exit` is injectable for tests.
 */
export function exitOnConfigError<T>(
  result: ConfigResult<T>,
  stderr: TextSink = process.stderr,
  exit: (code: number) => never = (code) => process.exit(code),
): T {
  if (result.ok) return result.value;
  stderr.write(`${result.error.message}\n`);
  return exit(1);
}

/** One row of the env documentation. */
export type EnvRow = {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  /** Documented default, or undefined when none. */
  readonly default: string | undefined;
  readonly secret: boolean;
  readonly description: string;
};

function metaFor(field: z.ZodType): EnvFieldMeta | undefined {
  let current: z.ZodType | undefined = field;
  while (current !== undefined) {
    const meta = envRegistry.get(current);
    if (meta !== undefined) return meta;
    current = current instanceof z.ZodOptional ? (current.unwrap() as z.ZodType) : undefined;
  }
  return undefined;
}

/**
 * Every variable of an env object schema, in declaration order, with its documentation (for
 * `docs/configuration.md` and READMEs). Fields built without the env builders get type `string`
 * and an empty description.
 */
export function describeEnv(schema: z.ZodObject): EnvRow[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const typed = field as z.ZodType;
    const meta = metaFor(typed);
    return {
      name,
      type: meta?.type ?? 'string',
      required: !typed.safeParse(undefined).success,
      default: meta?.defaultText,
      secret: meta?.secret === true,
      description: meta?.description ?? '',
    };
  });
}

/**
 * The config as it may be logged once at start: values of secret fields replaced by
 * `[redacted]` (fields of `schema` only; unknown keys are passed through).
 */
export function redactConfig(
  schema: z.ZodObject,
  config: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const secret = new Set(
    describeEnv(schema)
      .filter((row) => row.secret)
      .map((row) => row.name),
  );
  return Object.fromEntries(
    Object.entries(config).map(([name, value]) => [
      name,
      secret.has(name) && value !== undefined ? '[redacted]' : value,
    ]),
  );
}

/**
 * The bootstrap secret: `SERVICE_SECRET`, or the trimmed content of `SERVICE_SECRET_FILE`
 * (16–512 characters). Neither, both, or an unreadable file is a {@link ConfigError}.
 */
export async function readServiceSecret(
  env: Pick<BaseEnv, 'SERVICE_SECRET' | 'SERVICE_SECRET_FILE'>,
  read: (path: string) => Promise<string> = (path) => readFile(path, 'utf8'),
): Promise<ConfigResult<string>> {
  const path = env.SERVICE_SECRET_FILE;
  if (env.SERVICE_SECRET !== undefined && path !== undefined) {
    return {
      ok: false,
      error: new ConfigError([
        'SERVICE_SECRET_FILE: set SERVICE_SECRET or SERVICE_SECRET_FILE, not both',
      ]),
    };
  }
  if (env.SERVICE_SECRET !== undefined) return { ok: true, value: env.SERVICE_SECRET };
  if (path === undefined) {
    return {
      ok: false,
      error: new ConfigError(['SERVICE_SECRET: required (or SERVICE_SECRET_FILE)']),
    };
  }
  let text: string;
  try {
    text = (await read(path)).trim();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = typeof code === 'string' ? code : 'unreadable';
    return {
      ok: false,
      error: new ConfigError([`SERVICE_SECRET_FILE: cannot read ${path} (${why})`], { cause: err }),
    };
  }
  if (text.length < 16 || text.length > 512) {
    return {
      ok: false,
      error: new ConfigError([`SERVICE_SECRET_FILE: secret must be 16-512 characters`]),
    };
  }
  return { ok: true, value: text };
}

/** NATS user credentials, for messaging `connectBus({ auth })`. */
export type NatsAuth = { readonly user: string; readonly password: string };

/**
 * The NATS credentials: undefined when `NATS_USER` is unset (no authentication), else the user
 * with `NATS_PASSWORD` or the trimmed content of `NATS_PASSWORD_FILE`. A password without a
 * user, a user without a password, both password sources, or an unreadable or empty file is a
 * {@link ConfigError}.
 */
export async function readNatsAuth(
  env: Pick<BaseEnv, 'NATS_USER' | 'NATS_PASSWORD' | 'NATS_PASSWORD_FILE'>,
  read: (path: string) => Promise<string> = (path) => readFile(path, 'utf8'),
): Promise<ConfigResult<NatsAuth | undefined>> {
  const fail = (line: string, cause?: unknown): ConfigResult<NatsAuth | undefined> => ({
    ok: false,
    error: new ConfigError([line], cause === undefined ? undefined : { cause }),
  });
  const { NATS_USER: user, NATS_PASSWORD: password, NATS_PASSWORD_FILE: path } = env;
  if (user === undefined) {
    if (password !== undefined || path !== undefined) {
      return fail('NATS_USER: required when NATS_PASSWORD or NATS_PASSWORD_FILE is set');
    }
    return { ok: true, value: undefined };
  }
  if (password !== undefined && path !== undefined) {
    return fail('NATS_PASSWORD_FILE: set NATS_PASSWORD or NATS_PASSWORD_FILE, not both');
  }
  if (password !== undefined) return { ok: true, value: { user, password } };
  if (path === undefined)
    return fail('NATS_PASSWORD: required with NATS_USER (or NATS_PASSWORD_FILE)');
  let text: string;
  try {
    text = (await read(path)).trim();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return fail(
      `NATS_PASSWORD_FILE: cannot read ${path} (${typeof code === 'string' ? code : 'unreadable'})`,
      err,
    );
  }
  if (text === '') return fail(`NATS_PASSWORD_FILE: ${path} is empty`);
  return { ok: true, value: { user, password: text } };
}
