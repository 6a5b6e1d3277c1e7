/**
 * Guards of the reconcile plan (reconciler.md "Guards"): conditions under which the plan withholds
 * actions, and says so with a reason.
 */

/** Default `RECONCILER_SHRINK_GUARD`: a drop of strictly more than 30 % of present nodes. */
export const DEFAULT_SHRINK_GUARD = 0.3;

/** Inputs of {@link evaluateShrinkGuard}. */
export type ShrinkGuardInput = {
  /** Number of nodes the inventory lists. */
  readonly desiredCount: number;
  /** Observed nodes with `present` this pass (in the inventory or not). */
  readonly presentCount: number;
  /** Present count of the previous pass; undefined when there was none. */
  readonly previousPresentCount: number | undefined;
  /** Fraction in [0, 1]. */
  readonly fraction: number;
};

/** Outcome of {@link evaluateShrinkGuard}: whether it holds, and why. */
export type ShrinkGuardVerdict =
  { readonly holds: false } | { readonly holds: true; readonly reason: string };

function percent(value: number): string {
  return `${Math.round(value * 1000) / 10}%`;
}

/**
 * The shrink guard (k8s node-lifecycle rule: an empty or collapsing observation is a partition, not
 * an exodus). Holds when no node is present while the inventory lists some, or when the present
 * count fell by strictly more than `fraction` of the previous count (a drop of exactly the
 * fraction does not hold). Pure; never throws.
 */
export function evaluateShrinkGuard(input: ShrinkGuardInput): ShrinkGuardVerdict {
  const { desiredCount, presentCount, previousPresentCount: previous, fraction } = input;
  const reasons: string[] = [];
  if (presentCount === 0 && desiredCount > 0) {
    reasons.push(
      `no node is observed present while the inventory lists ${desiredCount}: treated as a partition`,
    );
  }
  if (previous !== undefined && previous > 0 && previous > presentCount) {
    // Compare the ratio, not drop > fraction * previous: the division is correctly rounded, so a
    // drop of exactly the fraction (3 of 10 against 0.3) compares equal, never greater.
    const ratio = (previous - presentCount) / previous;
    if (ratio > fraction) {
      reasons.push(
        `present nodes fell from ${previous} to ${presentCount} (${percent(ratio)} > ${percent(fraction)})`,
      );
    }
  }
  if (reasons.length === 0) return { holds: false };
  return { holds: true, reason: `${reasons.join('; ')}; no node is decommissioned this pass` };
}
