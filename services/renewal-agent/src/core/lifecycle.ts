/**
 * The held credential's lifecycle events (identity.md, renewal-agent Events):
 * `credential.expiring` once per credential when it is inside the `renew_before` lead window and
 * still valid, `credential.expired` once per credential after its `not_after`. Which ones were
 * already emitted is state the shell keeps (`noted`) and this module updates.
 */

/** The held credential as the lifecycle sees it. */
export type LifecycleCredential = {
  readonly credentialId: string;
  /** Unix seconds. */
  readonly notAfter: number;
};

/** Credential ids whose events were already emitted. */
export type LifecycleNoted = {
  readonly expiring?: string;
  readonly expired?: string;
};

/** One event to emit. */
export type LifecycleEvent =
  | {
      readonly type: 'credential.expiring';
      readonly data: { credential_id: string; not_after: number; remaining_s: number };
    }
  | {
      readonly type: 'credential.expired';
      readonly data: { credential_id: string; not_after: number };
    };

/** Inputs of {@link lifecycleEvents}. */
export type LifecycleInput = {
  readonly held: LifecycleCredential | null;
  /** Unix seconds (fractional allowed). */
  readonly nowS: number;
  /** The `renew_before` lead window, seconds (>= 0). */
  readonly renewBeforeS: number;
  readonly noted: LifecycleNoted;
};

/** The events due now and the updated `noted`. */
export type LifecycleOutcome = {
  readonly events: readonly LifecycleEvent[];
  readonly noted: LifecycleNoted;
};

/**
 * Decides which lifecycle events are due.
 * Valid (`nowS <= notAfter`) and `nowS >= notAfter − renewBeforeS` and not yet noted for this
 * id → `credential.expiring` with `remaining_s = floor(notAfter − nowS)`. Expired
 * (`nowS > notAfter`) and not yet noted → `credential.expired` only (an expiring that was never
 * emitted is skipped). Nothing held → no events. Pure; each event at most once per id.
 */
export function lifecycleEvents(input: LifecycleInput): LifecycleOutcome {
  const { held, nowS, noted } = input;
  if (held === null) return { events: [], noted };
  const id = held.credentialId;
  if (nowS > held.notAfter) {
    if (noted.expired === id) return { events: [], noted };
    return {
      events: [
        { type: 'credential.expired', data: { credential_id: id, not_after: held.notAfter } },
      ],
      noted: { expiring: id, expired: id },
    };
  }
  if (nowS >= held.notAfter - input.renewBeforeS && noted.expiring !== id) {
    return {
      events: [
        {
          type: 'credential.expiring',
          data: {
            credential_id: id,
            not_after: held.notAfter,
            remaining_s: Math.max(0, Math.floor(held.notAfter - nowS)),
          },
        },
      ],
      noted: { ...noted, expiring: id },
    };
  }
  return { events: [], noted };
}

/**
 * When the next lifecycle event becomes due (Unix seconds), so an idle agent wakes for it: the
 * start of the lead window while `expiring` is not noted, else just after `not_after` while
 * `expired` is not noted; undefined when nothing is pending or nothing is held. Pure.
 */
export function nextLifecycleAt(input: Omit<LifecycleInput, 'nowS'>): number | undefined {
  const { held, noted } = input;
  if (held === null) return undefined;
  if (noted.expiring !== held.credentialId) return held.notAfter - input.renewBeforeS;
  if (noted.expired !== held.credentialId) return held.notAfter + 1;
  return undefined;
}
