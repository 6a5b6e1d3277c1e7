/**
 * Runs a service's long-running loops together (house-style §2.10, spire's `RunTasks`).
 */

/** A long-running loop: resolves when done, stops promptly when `signal` aborts. */
export type Task = (signal: AbortSignal) => Promise<void>;

function isAbortError(err: unknown, signal: AbortSignal): boolean {
  if (err === signal.reason) return true;
  return err instanceof Error && err.name === 'AbortError';
}

/**
 * Runs every task with a shared child signal and waits for all of them.
 * - The first task to reject aborts the others (with that error as the reason); once all have
 *   settled, that first error is rethrown.
 * - A task that resolves early does not stop the others.
 * - When the outer `signal` aborts, every task sees it; rejections that are the abort itself
 *   (the abort reason or an `AbortError`) are then not errors, and `runTasks` resolves.
 */
export async function runTasks(signal: AbortSignal, ...tasks: readonly Task[]): Promise<void> {
  const controller = new AbortController();
  const forward = (): void => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  let first: { readonly error: unknown } | undefined;
  try {
    await Promise.all(
      tasks.map(async (task) => {
        try {
          await task(controller.signal);
        } catch (error) {
          if (first !== undefined) return; // only the first failure is reported
          if (signal.aborted && isAbortError(error, signal)) return; // a clean stop
          first = { error };
          controller.abort(error);
        }
      }),
    );
  } finally {
    signal.removeEventListener('abort', forward);
  }
  if (first !== undefined) throw first.error;
}
