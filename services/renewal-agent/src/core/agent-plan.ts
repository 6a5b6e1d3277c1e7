import { renewalView, type AttemptRecord } from '@fedplane/core';
import { planRenewal, renewalBackoffS, type Claims, type RenewalPolicy } from '@fedplane/core';

/**
 * The next step of an agent in `issuer` mode: attest, renew, or wait until a time. Built on core
 * `planRenewal` (the earlier of `renew_before` and the jittered half-life; after failures an
 * exponential backoff capped by a fraction of the time left), plus what the agent adds: a capped
 * backoff between failed attestations, an operator's renew-now request, and re-attestation after
 * the issuer refused the held credential itself.
 */

/** Inputs of {@link planAgentStep}. */
export type AgentPlanInput = {
  /** The held credential's window, or null when nothing is held. */
  readonly held: Pick<Claims, 'not_before' | 'not_after'> | null;
  readonly attempts: AttemptRecord;
  readonly policy: RenewalPolicy;
  /** Longest wait between failed attestations, in seconds (> 0). */
  readonly maxAttestBackoffS: number;
  /** Unix seconds, fractional allowed (so a fractional wait time is never in the past). */
  readonly nowS: number;
  /** In [0, 1), drawn once per credential. */
  readonly jitter: number;
  /** An operator asked to renew now (`fed.agent.<node>.renew`). */
  readonly renewRequested: boolean;
  /** The issuer refused the held credential itself: try a (fresh) join token next. */
  readonly reattest: boolean;
};

/** What to do. `expiring`: `now` is inside the `renew_before` window of a valid credential. */
export type AgentStep =
  | { readonly kind: 'attest'; readonly expiring: boolean }
  | { readonly kind: 'renew'; readonly expiring: boolean }
  | { readonly kind: 'wait'; readonly atS: number; readonly expiring: boolean };

/**
 * Decides the agent's next step.
 * - Nothing held, or the held credential expired: `attest`, except after failed attempts, when
 *   the next attestation waits `min(maxAttestBackoffS, backoff(failures))` after the last one
 *   (a renew-now request skips that wait).
 * - A valid credential: `renew` when `planRenewal` says `renew_now` or a renew-now request is
 *   pending (`attest` instead when `reattest`); else `wait` until `planRenewal`'s time.
 * Invariants: `wait.atS > nowS`; never `renew` without a valid credential; deterministic.
 * Throws `RangeError` (from `planRenewal`) on a bad policy or jitter, and when
 * `maxAttestBackoffS` is not positive (programmer errors).
 */
export function planAgentStep(input: AgentPlanInput): AgentStep {
  if (!(input.maxAttestBackoffS > 0)) {
    throw new RangeError(`planAgentStep: maxAttestBackoffS must be > 0`);
  }
  const { policy, nowS, jitter, attempts } = input;
  const view = input.held === null ? null : renewalView(input.held, attempts);
  const decision = planRenewal(view, policy, nowS, jitter);
  switch (decision.kind) {
    case 'acquire':
    case 'expired': {
      if (!input.renewRequested && attempts.failures > 0 && attempts.lastAttemptAt !== undefined) {
        const backoff = Math.min(
          input.maxAttestBackoffS,
          renewalBackoffS(policy, attempts.failures, Number.POSITIVE_INFINITY, jitter),
        );
        const atS = attempts.lastAttemptAt + backoff;
        if (atS > nowS) return { kind: 'wait', atS, expiring: false };
      }
      return { kind: 'attest', expiring: false };
    }
    case 'renew_now':
      return { kind: input.reattest ? 'attest' : 'renew', expiring: decision.expiring };
    case 'wait':
      if (input.renewRequested) {
        return { kind: input.reattest ? 'attest' : 'renew', expiring: decision.expiring };
      }
      return { kind: 'wait', atS: decision.at, expiring: decision.expiring };
  }
}
