import { ErrorCode } from '@fedplane/core';
import type { Denial } from './registration.js';

/**
 * Rate limit for the audit evidence of refusals to unauthenticated callers: a flood of garbage
 * requests (forged proofs, garbled credentials, unknown join tokens, replays) must not flood the
 * audit log with `credential.denied`. One token bucket per refusal reason; a refusal is recorded
 * while its bucket holds a token, else counted as suppressed, and the next recorded refusal of
 * that reason carries the count. Refusals to authenticated callers (revoked node, reuse, …) are
 * never limited. Pure: the state is a value, time is passed in.
 */

/** Bucket size and refill rate, per reason. */
export type RefusalPolicy = { readonly burst: number; readonly perSecond: number };

/** Default: bursts of 20 per reason, then 5 per second per reason. */
export const DEFAULT_REFUSAL_POLICY: RefusalPolicy = { burst: 20, perSecond: 5 };

/** Most reasons tracked at once (reasons are a small fixed set of tags; this bounds the state). */
export const MAX_REFUSAL_KEYS = 256;

type Bucket = { readonly tokens: number; readonly atMs: number; readonly suppressed: number };

/** The limiter state: one bucket per reason. */
export type RefusalLimitState = ReadonlyMap<string, Bucket>;

/** An empty state. */
export const EMPTY_REFUSAL_STATE: RefusalLimitState = new Map();

/** What to do with one refusal. */
export type RefusalVerdict = {
  readonly state: RefusalLimitState;
  /** Record it (publish `credential.denied`). */
  readonly record: boolean;
  /** When recording: how many refusals of this reason were not recorded since the last one. */
  readonly suppressed: number;
};

/** True for a refusal whose caller did not authenticate (the ones that are rate limited). */
export function isUnauthenticatedRefusal(denial: Denial): boolean {
  return denial.code === ErrorCode.UNAUTHENTICATED || denial.code === ErrorCode.BAD_REQUEST;
}

/**
 * Decides whether the refusal with `reason` at `nowMs` is recorded. Input: the state, the reason
 * tag, the time and the policy. Output: the next state, `record`, and the suppressed count to
 * report with it. A bucket starts full; it refills at `perSecond` up to `burst`; time going
 * backwards refills nothing. Beyond {@link MAX_REFUSAL_KEYS} reasons the oldest bucket is
 * dropped. Never throws.
 */
export function admitRefusal(
  state: RefusalLimitState,
  reason: string,
  nowMs: number,
  policy: RefusalPolicy = DEFAULT_REFUSAL_POLICY,
): RefusalVerdict {
  const prev = state.get(reason) ?? { tokens: policy.burst, atMs: nowMs, suppressed: 0 };
  const elapsedS = Math.max(0, nowMs - prev.atMs) / 1000;
  const tokens = Math.min(policy.burst, prev.tokens + elapsedS * policy.perSecond);
  const atMs = Math.max(prev.atMs, nowMs);
  const next = new Map(state);
  next.delete(reason);
  let verdict: { record: boolean; suppressed: number };
  if (tokens >= 1) {
    next.set(reason, { tokens: tokens - 1, atMs, suppressed: 0 });
    verdict = { record: true, suppressed: prev.suppressed };
  } else {
    next.set(reason, { tokens, atMs, suppressed: prev.suppressed + 1 });
    verdict = { record: false, suppressed: 0 };
  }
  while (next.size > MAX_REFUSAL_KEYS) {
    const oldest = next.keys().next();
    if (oldest.done === true) break;
    next.delete(oldest.value);
  }
  return { state: next, ...verdict };
}
