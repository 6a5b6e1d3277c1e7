import type { Clock } from '@fedplane/runtime';
import type { Denial } from '../core/registration.js';
import {
  DEFAULT_REFUSAL_POLICY,
  EMPTY_REFUSAL_STATE,
  admitRefusal,
  isUnauthenticatedRefusal,
  type RefusalLimitState,
  type RefusalPolicy,
} from '../core/refusal-limit.js';

/**
 * The process's refusal limiter (core `admitRefusal` over a held state): decides whether a
 * refusal becomes a `credential.denied` event (and an info log line).
 */
export type RefusalGate = {
  /** `{record, suppressed}` for this refusal; authenticated refusals are always recorded. */
  admit(denial: Denial): { readonly record: boolean; readonly suppressed: number };
};

/** Creates a gate with `policy` (default: core's). */
export function createRefusalGate(
  clock: Clock,
  policy: RefusalPolicy = DEFAULT_REFUSAL_POLICY,
): RefusalGate {
  let state: RefusalLimitState = EMPTY_REFUSAL_STATE;
  return {
    admit: (denial) => {
      if (!isUnauthenticatedRefusal(denial)) return { record: true, suppressed: 0 };
      const verdict = admitRefusal(state, denial.reason, clock.nowMs(), policy);
      state = verdict.state;
      return { record: verdict.record, suppressed: verdict.suppressed };
    },
  };
}

/** The `detail` of a recorded refusal that stands for suppressed ones. */
export function suppressedDetail(suppressed: number): { readonly detail?: string } {
  return suppressed === 0
    ? {}
    : {
        detail: `${String(suppressed)} earlier refusals with this reason were not recorded (rate limit)`,
      };
}
