/**
 * The logger the store takes, typed structurally so pino's `Logger` satisfies it
 * (`log.info({ version }, 'migration applied')`: constant lowercase message, data in the object).
 */
export type Log = {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
};
