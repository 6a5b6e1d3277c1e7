import type { Log } from './logger.js';

/**
 * Graceful stop (house-style §2.10, close-with-grace semantics): the first SIGTERM/SIGINT or fatal
 * error starts `stop` under a hard deadline and flips readiness to false; a second signal, a fatal
 * error during the stop, or the deadline makes the process exit 1 at once.
 */

/** Why the shutdown started. */
export type ShutdownReason =
  | { readonly kind: 'signal'; readonly signal: NodeJS.Signals }
  | { readonly kind: 'fatal'; readonly error: unknown }
  | { readonly kind: 'requested'; readonly why: string };

/** The slice of `process` the shutdown uses (injectable for tests). */
export type ShutdownProcess = {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  exit(code: number): never;
};

/** Options of {@link onShutdown}. */
export type ShutdownOptions = {
  readonly log: Log;
  /** Hard deadline for `stop`, in ms (default 10 000). */
  readonly deadlineMs?: number;
  /** Signals that start the stop (default SIGTERM, SIGINT). */
  readonly signals?: readonly NodeJS.Signals[];
  /** Flipped to draining as soon as the stop starts. */
  readonly readiness?: { setDraining(): void };
  /** Also start on `uncaughtException` / `unhandledRejection` (default true). */
  readonly catchFatal?: boolean;
  /** Defaults to the real `process`. */
  readonly process?: ShutdownProcess;
};

/** Handle returned by {@link onShutdown}. */
export type ShutdownHandle = {
  /** Starts the graceful stop from code (e.g. when a task failed); a second call exits 1. */
  trigger(reason: ShutdownReason): void;
  /** True once a stop has started. */
  readonly stopping: boolean;
  /** Removes the listeners (tests; a process normally keeps them to the end). */
  dispose(): void;
};

/** Default graceful-stop deadline. */
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 10_000;

function describe(reason: ShutdownReason): Record<string, unknown> {
  switch (reason.kind) {
    case 'signal':
      return { reason: 'signal', signal: reason.signal };
    case 'fatal':
      return { reason: 'fatal', err: reason.error };
    case 'requested':
      return { reason: 'requested', why: reason.why };
    default: {
      const never: never = reason;
      return never;
    }
  }
}

/**
 * Installs the shutdown listeners and returns a handle.
 * - First trigger: readiness → draining; `stop(reason)` runs; exit 0 when it resolves (1 when the
 *   reason was a fatal error or `stop` rejected).
 * - Second signal or trigger, a fatal error while stopping, or `deadlineMs` passing: exit 1 now.
 */
export function onShutdown(
  options: ShutdownOptions,
  stop: (reason: ShutdownReason) => Promise<void>,
): ShutdownHandle {
  const proc: ShutdownProcess = options.process ?? process;
  const { log } = options;
  const deadlineMs = options.deadlineMs ?? DEFAULT_SHUTDOWN_DEADLINE_MS;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let stopping = false;
  let exited = false;

  const exit = (code: number): void => {
    if (exited) return;
    exited = true;
    proc.exit(code);
  };

  const trigger = (reason: ShutdownReason): void => {
    if (stopping) {
      log.error({ ...describe(reason) }, 'shutdown forced');
      exit(1);
      return;
    }
    stopping = true;
    options.readiness?.setDraining();
    const level = reason.kind === 'fatal' ? 'error' : 'info';
    log[level]({ ...describe(reason), deadline_ms: deadlineMs }, 'shutdown started');
    const startedAt = Date.now();
    const timer = setTimeout(() => {
      log.error({ deadline_ms: deadlineMs }, 'shutdown deadline passed');
      exit(1);
    }, deadlineMs);
    stop(reason).then(
      () => {
        clearTimeout(timer);
        log.info({ duration_ms: Date.now() - startedAt }, 'shutdown complete');
        exit(reason.kind === 'fatal' ? 1 : 0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        log.error({ err, duration_ms: Date.now() - startedAt }, 'shutdown failed');
        exit(1);
      },
    );
  };

  const onSignal = signals.map((signal) => {
    const listener = (): void => trigger({ kind: 'signal', signal });
    return [signal, listener] as const;
  });
  const onFatal = (error: unknown): void => trigger({ kind: 'fatal', error });
  for (const [signal, listener] of onSignal) proc.on(signal, listener);
  const catchFatal = options.catchFatal ?? true;
  if (catchFatal) {
    proc.on('uncaughtException', onFatal);
    proc.on('unhandledRejection', onFatal);
  }

  return {
    trigger,
    get stopping() {
      return stopping;
    },
    dispose: () => {
      for (const [signal, listener] of onSignal) proc.off(signal, listener);
      if (catchFatal) {
        proc.off('uncaughtException', onFatal);
        proc.off('unhandledRejection', onFatal);
      }
    },
  };
}
