/**
 * When the renewal agent renews its credential (identity.md "Renewal-agent service"): the earlier
 * of the `renew_before` lead and the jittered half-life; after failures, exponential backoff whose
 * delay is capped by a fraction of the time left, so attempts get denser as expiry nears.
 */

/** The credential held, with the record of failed attempts since the last success. */
export type HeldCredential = {
  /** Unix seconds. */
  readonly notBefore: number;
  /** Unix seconds. */
  readonly notAfter: number;
  /** Consecutive failed renewal attempts (0 after a success). */
  readonly failures: number;
  /** Unix seconds of the last (failed) attempt. */
  readonly lastAttemptAt?: number;
};

/** Renewal policy (seconds). */
export type RenewalPolicy = {
  /** The node's `renew_before` lead, >= 0. */
  readonly renewBeforeS: number;
  /** Backoff after the first failure, > 0. */
  readonly minBackoffS: number;
  /** Backoff ceiling, >= minBackoffS. */
  readonly maxBackoffS: number;
  /** Cap on the delay as a fraction of the time left, in (0, 1]. */
  readonly backoffFractionOfRemaining: number;
};

/** Defaults for the backoff part of {@link RenewalPolicy}. */
export const DEFAULT_RENEWAL_BACKOFF = {
  minBackoffS: 1,
  maxBackoffS: 300,
  backoffFractionOfRemaining: 0.25,
} as const;

/** No retry is scheduled sooner than this after a failed attempt (no hot loop at expiry). */
export const RENEWAL_MIN_DELAY_S = 1;

/**
 * What to do now. `expiring` says whether `now` is inside the `renew_before` lead window before
 * `not_after` (for the `credential.expiring` event); it is false once expired.
 */
export type RenewalDecision =
  | { readonly kind: 'acquire'; readonly expiring: false }
  | { readonly kind: 'expired'; readonly expiring: false }
  | { readonly kind: 'renew_now'; readonly expiring: boolean }
  | { readonly kind: 'wait'; readonly at: number; readonly expiring: boolean };

/** Fraction of the lifetime at which half-life renewal is due, from jitter in [0, 1): 0.45..0.55. */
export function halfLifeFraction(jitter: number): number {
  return 0.45 + 0.1 * jitter;
}

/**
 * When a renewal is first due: the earlier of `notAfter − renewBeforeS` and
 * `notBefore + lifetime × halfLifeFraction(jitter)`, rounded up to a whole second.
 */
export function renewalDueAt(
  held: Pick<HeldCredential, 'notBefore' | 'notAfter'>,
  renewBeforeS: number,
  jitter: number,
): number {
  const lifetime = Math.max(0, held.notAfter - held.notBefore);
  const byLead = held.notAfter - renewBeforeS;
  const byHalfLife = held.notBefore + lifetime * halfLifeFraction(jitter);
  return Math.ceil(Math.min(byLead, byHalfLife));
}

/**
 * Delay before retry number `failures + 1`: `minBackoffS × 2^(failures−1)` scaled by
 * `0.5 + jitter/2` (equal jitter), capped by `maxBackoffS` and by
 * `backoffFractionOfRemaining × remainingS`, never below {@link RENEWAL_MIN_DELAY_S}.
 * Non-increasing as `remainingS` shrinks.
 */
export function renewalBackoffS(
  policy: RenewalPolicy,
  failures: number,
  remainingS: number,
  jitter: number,
): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 60);
  const exponential = policy.minBackoffS * 2 ** exponent * (0.5 + jitter / 2);
  const capped = Math.min(
    exponential,
    policy.maxBackoffS,
    policy.backoffFractionOfRemaining * Math.max(0, remainingS),
  );
  return Math.max(RENEWAL_MIN_DELAY_S, capped);
}

function checkArguments(policy: RenewalPolicy, jitter: number): void {
  const valid =
    jitter >= 0 &&
    jitter < 1 &&
    policy.renewBeforeS >= 0 &&
    policy.minBackoffS > 0 &&
    policy.maxBackoffS >= policy.minBackoffS &&
    policy.backoffFractionOfRemaining > 0 &&
    policy.backoffFractionOfRemaining <= 1 &&
    Number.isFinite(policy.maxBackoffS);
  if (!valid) {
    throw new RangeError(
      `planRenewal: bad policy or jitter (jitter ${jitter}, policy ${JSON.stringify(policy)})`,
    );
  }
}

/**
 * Decides the renewal agent's next step.
 *
 * Inputs: the held credential (or null), the policy, `nowS` (Unix seconds), `jitter` in [0, 1)
 * (the shell draws it once per credential so the plan is stable across ticks). Output:
 * - `acquire` when nothing is held (attest);
 * - `expired` when `nowS > notAfter` (re-attest; a renewal would be refused);
 * - with no failure recorded: `renew_now` from the due time on ({@link renewalDueAt}), else
 *   `wait` until it;
 * - after failures: the next attempt is `lastAttemptAt + renewalBackoffS(...)` (never before the
 *   due time); `renew_now` once reached, else `wait`.
 * Invariants: deterministic; `wait.at > nowS`; `wait.at <= notAfter` except in the final
 * {@link RENEWAL_MIN_DELAY_S} before expiry after a failure; never `renew_now` before 0.45 of
 * the lifetime unless inside the `renew_before` window.
 * Throws `RangeError` for jitter outside [0, 1) or an inconsistent policy (programmer errors).
 */
export function planRenewal(
  held: HeldCredential | null,
  policy: RenewalPolicy,
  nowS: number,
  jitter: number,
): RenewalDecision {
  checkArguments(policy, jitter);
  if (held === null) return { kind: 'acquire', expiring: false };
  if (nowS > held.notAfter) return { kind: 'expired', expiring: false };
  const expiring = nowS >= held.notAfter - policy.renewBeforeS;
  const dueAt = renewalDueAt(held, policy.renewBeforeS, jitter);

  let next = dueAt;
  if (held.failures > 0 && held.lastAttemptAt !== undefined) {
    const delay = renewalBackoffS(policy, held.failures, held.notAfter - nowS, jitter);
    next = Math.max(dueAt, held.lastAttemptAt + delay);
  }
  if (next <= nowS) return { kind: 'renew_now', expiring };
  // Do not sleep past expiry; only the minimum retry delay may reach beyond it.
  const at = next <= held.notAfter || held.notAfter <= nowS ? next : held.notAfter;
  return { kind: 'wait', at, expiring };
}
