/**
 * The logger this package writes to, typed structurally so pino's `Logger` fits as is.
 * Messages are constant lower-case phrases; data goes in the object, errors under `err`.
 */
export type Log = {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
};

/** A logger that drops everything (default when a caller passes none). */
export const SILENT_LOG: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};
