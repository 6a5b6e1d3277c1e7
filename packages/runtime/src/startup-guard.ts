import type { Log } from './logger.js';
import type { ShutdownProcess } from './shutdown.js';

/**
 * The start-up phase of a service's main (connect, migrate, attest, start): a step that fails
 * there (a NATS server that refuses the login or a permission, Postgres down, a bad key file)
 * rejects a top-level await, which Node reports as an uncaught exception with its own stack dump.
 * The guard logs it ONCE as a JSON line (`startup failed`, with the error) and exits 1 instead.
 * Call `done()` right before {@link onShutdown} takes over the fatal errors of the running service.
 */

/** A guard; `done()` removes its listeners. */
export type StartupGuard = { done(): void };

/** Installs the guard on `proc` (default the real process). */
export function guardStartup(log: Log, proc: ShutdownProcess = process): StartupGuard {
  const onFatal = (err: unknown): void => {
    log.error({ err }, 'startup failed');
    proc.exit(1);
  };
  proc.on('uncaughtException', onFatal);
  proc.on('unhandledRejection', onFatal);
  return {
    done: () => {
      proc.off('uncaughtException', onFatal);
      proc.off('unhandledRejection', onFatal);
    },
  };
}
