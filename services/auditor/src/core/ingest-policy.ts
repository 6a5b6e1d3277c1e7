/**
 * Small timing decisions of the ingest and checkpoint loops: when a batch is ready, how long to
 * back off after a failed append, what to do with the batch afterwards, and when a checkpoint is
 * due. Pure: times and randomness are arguments.
 */

/** Input of {@link batchReady}. */
export type BatchState = {
  /** Messages waiting. */
  readonly count: number;
  /** `AUDITOR_BATCH`. */
  readonly max: number;
  /** When the first waiting message arrived (Unix ms), or null when none waits. */
  readonly firstAtMs: number | null;
  readonly nowMs: number;
  /** `AUDITOR_BATCH_WAIT_MS`. */
  readonly waitMs: number;
};

/**
 * True when a batch should be cut now: `max` messages wait, or at least one has waited
 * `waitMs`. False while nothing waits.
 */
export function batchReady(state: BatchState): boolean {
  if (state.count === 0 || state.firstAtMs === null) return false;
  return state.count >= state.max || state.nowMs - state.firstAtMs >= state.waitMs;
}

/** Backoff bounds of a failed append (Postgres down, lock timeout). */
export const APPEND_BACKOFF = { baseMs: 100, maxMs: 5_000 } as const;

/**
 * Delay before retrying an append after `failures` consecutive failures (1, 2, …): exponential
 * from {@link APPEND_BACKOFF}.baseMs, capped at `maxMs`, scaled by `0.5 + jitter / 2` with
 * `jitter` in [0, 1) so that instances do not retry in step.
 */
export function appendBackoffMs(failures: number, jitter: number): number {
  const n = Math.max(1, Math.min(30, Math.floor(failures)));
  const raw = Math.min(APPEND_BACKOFF.maxMs, APPEND_BACKOFF.baseMs * 2 ** (n - 1));
  const j = Number.isFinite(jitter) ? Math.min(Math.max(jitter, 0), 1) : 0;
  return Math.round(raw * (0.5 + j / 2));
}

/** How an append attempt ended. */
export type AppendOutcome =
  | { readonly kind: 'committed' }
  | { readonly kind: 'failed'; readonly failures: number }
  | { readonly kind: 'lease_lost' };

/** What the loop does with the delivered messages of the batch. */
export type BatchAction =
  /** Committed: ack every delivered message (also the redelivered and skipped ones). */
  | { readonly kind: 'ack_all' }
  /** Not committed: keep the batch un-acked, wait, and append it again. */
  | { readonly kind: 'retry'; readonly delayMs: number }
  /** The lease is gone: leave everything un-acked (the next holder appends it) and stop. */
  | { readonly kind: 'abandon' };

/**
 * Decides what follows an append attempt: ack after commit, never before; back off and retry
 * while the lease is held; abandon without acking once it is lost. Pure.
 */
export function batchAction(outcome: AppendOutcome, jitter: number): BatchAction {
  switch (outcome.kind) {
    case 'committed':
      return { kind: 'ack_all' };
    case 'failed':
      return { kind: 'retry', delayMs: appendBackoffMs(outcome.failures, jitter) };
    case 'lease_lost':
      return { kind: 'abandon' };
  }
}

/** Input of {@link checkpointDue}. */
export type CheckpointState = {
  /** The chain's current size (last seq). */
  readonly size: number;
  /** Size of the last checkpoint written (0 when none). */
  readonly lastSize: number;
  /** When the last checkpoint was written or the loop started (Unix ms). */
  readonly lastAtMs: number;
  readonly nowMs: number;
  /** `AUDITOR_CHECKPOINT_INTERVAL` in ms. */
  readonly intervalMs: number;
  /** True for the final checkpoint of a session (do not wait for the interval). */
  readonly final?: boolean;
};

/** True when the chain grew past the last checkpoint and the interval passed (or it is final). */
export function checkpointDue(state: CheckpointState): boolean {
  if (state.size <= state.lastSize) return false;
  return state.final === true || state.nowMs - state.lastAtMs >= state.intervalMs;
}
