/**
 * When to re-sign an unchanged posture (pure). The posture envelope carries the signing
 * reconciler's credential, and a reader verifies it when it sees the value: once that credential
 * expires, a reader starting fresh would find no valid posture (permissive). The leader therefore
 * re-signs the same body (same posture revision) with its own, fresher credential.
 */

/** Least gain in credential lifetime, in seconds, that makes a re-sign worth a write. */
export const MIN_REFRESH_GAIN_S = 300;

/** Input of {@link shouldRefreshPosture}. */
export type RefreshInput = {
  /** `not_after` of the credential that signed the stored posture (undefined: none stored). */
  readonly storedSignerNotAfter: number | undefined;
  /** `not_after` of this instance's current credential (undefined: none held). */
  readonly ownNotAfter: number | undefined;
  readonly nowS: number;
  /** Re-sign once the stored signer has less than this left (`RECONCILER_MIN_REMAINING` × 2+). */
  readonly refreshBeforeS: number;
};

/**
 * True when the stored posture's signer expires within `refreshBeforeS` (or already has) and this
 * instance's credential would extend it by at least {@link MIN_REFRESH_GAIN_S}.
 */
export function shouldRefreshPosture(input: RefreshInput): boolean {
  const { storedSignerNotAfter: stored, ownNotAfter: own } = input;
  if (stored === undefined || own === undefined) return false;
  if (own - stored < MIN_REFRESH_GAIN_S) return false;
  return stored - input.nowS < input.refreshBeforeS;
}
