import type { Claims } from './credential.js';
import { ISSUER_CLOCK_SKEW_S } from './credential-issue.js';
import type { HeldCredential } from './renewal-plan.js';

/**
 * The view of a held credential that `planRenewal` takes, shared by the service credential holder
 * (runtime) and the renewal-agent: the issuer back-dates
 * `not_before` by {@link ISSUER_CLOCK_SKEW_S} (30 s), so the lifetime that half-life renewal
 * divides starts at `not_before + 30` (capped at `not_after`). Measured from the raw
 * `not_before`, a credential with a TTL of a minute or less would be due the moment it arrives
 * and renew in a hot loop.
 */

/** Failed attempts since the last success. */
export type AttemptRecord = {
  /** Consecutive failed attempts (0 after a success). */
  readonly failures: number;
  /** Unix seconds (may be fractional) of the last failed attempt. */
  readonly lastAttemptAt?: number;
};

/**
 * The `planRenewal` view of a credential with `claims` and the attempt record.
 * Output: `notBefore = min(not_after, not_before + ISSUER_CLOCK_SKEW_S)`, `notAfter` as issued,
 * the attempt record copied. Pure and total.
 */
export function renewalView(
  claims: Pick<Claims, 'not_before' | 'not_after'>,
  attempts: AttemptRecord,
): HeldCredential {
  const notAfter = claims.not_after;
  return {
    notBefore: Math.min(notAfter, claims.not_before + ISSUER_CLOCK_SKEW_S),
    notAfter,
    failures: attempts.failures,
    ...(attempts.lastAttemptAt === undefined ? {} : { lastAttemptAt: attempts.lastAttemptAt }),
  };
}
