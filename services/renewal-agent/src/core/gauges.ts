/**
 * The reference's identity gauges (§3.3 step 4, §3.7), over one agent or many simulated ones:
 * `ai_memory_federation_cred_max_age_seconds = max(0, now − not_before)` of the held credential
 * (the 30 s back-date included) and `ai_memory_federation_renewal_lag_seconds =
 * max(0, now − last_renew)`, where `last_renew` is seeded with the time the first credential was
 * held (a fresh boot reports lag 0). With several agents each gauge is the maximum.
 */

/** One agent's inputs. */
export type GaugeSource = {
  /** `not_before` of the held credential (Unix seconds), or undefined when nothing is held. */
  readonly notBefore: number | undefined;
  /** Unix seconds of the last swap (or of the first hold), or undefined. */
  readonly lastRenewS: number | undefined;
};

/** The gauge values; undefined when no agent holds a credential. */
export type GaugeValues = {
  readonly maxAgeS: number | undefined;
  readonly lagS: number | undefined;
};

/** Computes both gauges at `nowS` over `sources`. Pure. */
export function credentialGauges(sources: Iterable<GaugeSource>, nowS: number): GaugeValues {
  let maxAgeS: number | undefined;
  let lagS: number | undefined;
  for (const source of sources) {
    if (source.notBefore === undefined) continue;
    const age = Math.max(0, nowS - source.notBefore);
    maxAgeS = maxAgeS === undefined ? age : Math.max(maxAgeS, age);
    const lag = Math.max(0, nowS - (source.lastRenewS ?? nowS));
    lagS = lagS === undefined ? lag : Math.max(lagS, lag);
  }
  return { maxAgeS, lagS };
}
