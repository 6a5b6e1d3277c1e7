import { sleep } from '@fedplane/runtime';

/**
 * A sleep that another part of the agent can cut short: the renewal loop sleeps until its next
 * planned time, and a renew-now request or a new credential wakes it to plan again.
 */

/** A wakeable sleeper. */
export type Waker = {
  /** Sleeps up to `ms` (clamped at 0); resolves early on {@link Waker.wake} or when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Wakes the current sleep, or makes the next one return at once. */
  wake(): void;
};

/** Creates a waker. */
export function createWaker(): Waker {
  let pending = false;
  let interrupt: AbortController | undefined;
  return {
    sleep: async (ms, signal) => {
      if (pending) {
        pending = false;
        return;
      }
      const controller = new AbortController();
      interrupt = controller;
      const onAbort = (): void => controller.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) controller.abort();
      try {
        await sleep(ms, controller.signal);
      } finally {
        signal.removeEventListener('abort', onAbort);
        if (interrupt === controller) interrupt = undefined;
        pending = false;
      }
    },
    wake: () => {
      if (interrupt === undefined) pending = true;
      else interrupt.abort();
    },
  };
}
