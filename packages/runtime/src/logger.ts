import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

/**
 * The process logger (house-style §2.7): pino JSON on stdout, base `{service, version, instance}`,
 * errors under `err`, secrets redacted by path.
 */

/**
 * What libraries take as a logger (structural; pino's `Logger` satisfies it). Messages are
 * constant lowercase phrases; data goes in the object; errors under `err`.
 */
export type Log = {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
};

/** Key names whose values are never logged, wherever they appear (top level or nested 1–2 deep). */
export const SECRET_KEYS = [
  'privateKey',
  'private_key',
  'seed',
  'secret',
  'token',
  'join_token',
  'password',
  'SERVICE_SECRET',
  'DATABASE_URL',
  'apiKey',
  'api_key',
] as const;

/** Redaction paths: every {@link SECRET_KEYS} entry at depth 0–2, plus request secrets. */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["fed-signature"]',
  'headers.authorization',
  'headers["x-api-key"]',
];

/** The text written in place of a redacted value. */
export const REDACTED = '[redacted]';

/** Options of {@link createLogger}. */
export type LoggerOptions = {
  /** Service name (`issuer`, `auditor`, ...). */
  readonly service: string;
  readonly level: LogLevel;
  /** Instance id of this process. */
  readonly instance: string;
  /** Version string in every line (default `dev`). */
  readonly version?: string;
  /** Where lines go (default stdout); tests pass a stream. */
  readonly destination?: DestinationStream;
};

/**
 * Creates the root logger of a process. Output is JSON, one object per line, with `time` in
 * epoch milliseconds, `level` as a label, base `{service, version, instance}`, `err` serialized
 * by pino's standard serializer and every {@link REDACT_PATHS} value replaced by
 * {@link REDACTED}.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: {
        service: options.service,
        version: options.version ?? 'dev',
        instance: options.instance,
      },
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A logger that drops everything (for libraries called without one, and tests). */
export const silentLog: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};
