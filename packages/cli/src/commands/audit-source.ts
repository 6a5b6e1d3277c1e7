import { Pool } from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { UsageError } from '../usage-error.js';
import { natsConnectOptions } from '../nats-connection.js';

/**
 * Where the `fedplane audit` commands read from: the audit database when `DATABASE_URL` is set,
 * else the auditor service over NATS (`NATS_URL`, default `nats://127.0.0.1:4222`). The
 * environment and the interrupt signal are injected so tests can drive the commands in-process.
 */

/** The environment the audit commands read (`DATABASE_URL`, `NATS_URL`). */
export type AuditEnv = Readonly<Record<string, string | undefined>>;

/** What the audit commands need from the process besides `CliIo`. */
export type AuditCommandDeps = {
  /** The environment (read when the command runs). */
  readonly env: () => AuditEnv;
  /**
   * Calls `stop` on Ctrl-C / SIGTERM; returns a function that removes the handler. Used by the
   * long-running `audit tail`.
   */
  readonly onInterrupt: (stop: () => void) => () => void;
};

/** The real process: `process.env`, SIGINT and SIGTERM. */
export const processAuditDeps: AuditCommandDeps = {
  env: () => process.env,
  onInterrupt: (stop) => {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
  },
};

/** `DATABASE_URL` when set and non-empty. Throws `UsageError` for a value that is not a postgres URL. */
export function databaseUrl(env: AuditEnv): string | undefined {
  const url = env['DATABASE_URL'];
  if (url === undefined || url === '') return undefined;
  if (!URL.canParse(url) || !/^postgres(ql)?:$/.test(new URL(url).protocol)) {
    throw new UsageError('DATABASE_URL must be a postgres:// URL');
  }
  return url;
}

/** A small pool on the audit database; the caller ends it. */
export function openAuditPool(url: string): Pool {
  const pool = new Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined);
  return pool;
}

/** Connects to NATS for one request; the caller closes it. */
export function connectAuditNats(env: AuditEnv): Promise<NatsConnection> {
  return connect({ ...natsConnectOptions(env), name: 'fedplane-cli', timeout: 5_000 });
}

/** A one-line description of an infrastructure failure (no stack). */
export function failureText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && code !== '' ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
