/**
 * The closed-loop load the benchmark scenarios drive, and the latency percentile they report.
 */

/** The nearest-rank `p`-th percentile of ascending `sorted` (NaN when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** What {@link drive} measured: operations per second and every latency (ms), ascending. */
export type DriveResult = { readonly perS: number; readonly latencies: number[] };

/**
 * Runs `one(0 … total - 1)` from `concurrency` closed-loop clients (each starts its next
 * operation when its previous one settled); resolves with the rate and the sorted latencies.
 */
export async function drive(
  total: number,
  concurrency: number,
  one: (i: number) => Promise<void>,
): Promise<DriveResult> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next;
        next += 1;
        const t = performance.now();
        await one(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const ms = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { perS: (total / ms) * 1000, latencies };
}
