import { readFileSync } from 'node:fs';
import { UsageError } from './usage-error.js';

/**
 * Where and as whom every `fedplane` command connects to NATS, from the environment: `NATS_URL`
 * (comma-separated, default `nats://127.0.0.1:4222`) and, with a `deploy/nats.conf` that has
 * users, `NATS_USER` with `NATS_PASSWORD` or `NATS_PASSWORD_FILE` (the same variables the
 * services read). The one place the CLI parses them.
 */

/** The environment the connection is read from. */
export type NatsEnv = Readonly<Record<string, string | undefined>>;

/** The default server when `NATS_URL` is unset and no `plane.json` supplies one. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** Connection options in the shape `@nats-io/transport-node` `connect` takes. */
export type NatsConnectOptions = {
  readonly servers: string[];
  readonly user?: string;
  readonly pass?: string;
};

/** The server URLs of `NATS_URL`, or the default. */
export function natsServers(env: NatsEnv): string[] {
  const list = (env['NATS_URL'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return list.length > 0 ? list : [DEFAULT_NATS_URL];
}

/** `{user, password}` when `NATS_USER` is set; throws a {@link UsageError} when its password is missing or unreadable. */
export function natsAuth(env: NatsEnv): { user: string; password: string } | undefined {
  const user = env['NATS_USER'];
  if (user === undefined || user === '') return undefined;
  let password = env['NATS_PASSWORD'];
  const file = env['NATS_PASSWORD_FILE'];
  if ((password === undefined || password === '') && file !== undefined && file !== '') {
    try {
      password = readFileSync(file, 'utf8').trim();
    } catch {
      throw new UsageError(`NATS_PASSWORD_FILE: cannot read ${file}`);
    }
  }
  if (password === undefined || password === '') {
    throw new UsageError('NATS_USER is set without NATS_PASSWORD or NATS_PASSWORD_FILE');
  }
  return { user, password };
}

/** Servers plus user/pass, for `connect()`. */
export function natsConnectOptions(env: NatsEnv): NatsConnectOptions {
  const auth = natsAuth(env);
  const servers = natsServers(env);
  return auth === undefined ? { servers } : { servers, user: auth.user, pass: auth.password };
}
