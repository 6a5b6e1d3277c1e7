/**
 * Time for the shell loops: a `Clock` port (structurally the testkit's) and an abortable sleep.
 */

/** A time source in Unix milliseconds. */
export interface Clock {
  nowMs(): number;
}

/** The real clock. */
export const systemClock: Clock = { nowMs: () => Date.now() };

/** setTimeout's largest delay; longer ones would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Resolves after `ms` (clamped to 0..2^31−1), or as soon as `signal` aborts (then with `false`).
 * Never rejects. Resolves `true` when the full delay elapsed.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      },
      Math.min(MAX_TIMER_MS, Math.max(0, ms)),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
