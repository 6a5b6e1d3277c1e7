import { isValidIssuerId, type TrustBundle, type TrustKey } from '@fedplane/core';

/**
 * Issuer-key rotation helpers (identity.md, publish-before-use): naming the next key and turning a
 * bundle transition into its `issuer.key_rotated` steps. The transitions themselves are core's
 * `addNextKey` / `activateNext`.
 */

/** A step of `issuer.key_rotated` (the event's `step` field). */
export type RotationStepName = 'published_next' | 'activated' | 'retired' | 'removed';

/** One `issuer.key_rotated` payload. */
export type RotationStep = {
  readonly trust_domain: string;
  readonly bundle_sequence: number;
  readonly step: RotationStepName;
  readonly issuer_id: string;
  readonly public_key: string;
};

/**
 * The issuer id of the next key: `<baseId>-<n>` for the smallest `n ≥ 2` not used by any key of
 * the bundle. Returns `undefined` when that id would not be a valid slash-free issuer id (a base
 * id near the 128-byte limit). Pure.
 */
export function nextIssuerId(bundle: TrustBundle, baseId: string): string | undefined {
  const taken = new Set(bundle.keys.map((k) => k.issuer_id));
  let n = 2;
  while (taken.has(`${baseId}-${String(n)}`)) n += 1;
  const id = `${baseId}-${String(n)}`;
  return isValidIssuerId(id) ? id : undefined;
}

function stepFor(
  before: TrustKey | undefined,
  after: TrustKey | undefined,
): RotationStepName | undefined {
  if (after === undefined) return before === undefined ? undefined : 'removed';
  if (before?.state === after.state) return undefined;
  if (after.state === 'next') return 'published_next';
  if (after.state === 'active') return 'activated';
  return 'retired';
}

/**
 * The steps between two bundles of one fleet, in the order of `after`'s keys (removed keys last):
 * a key that appears as `next` → `published_next`; one that becomes `active` → `activated`; one
 * that becomes `retired` → `retired`; one that disappears → `removed`. Unchanged keys give
 * nothing. Each step carries `after`'s trust domain and sequence. Pure.
 */
export function rotationSteps(before: TrustBundle, after: TrustBundle): RotationStep[] {
  const old = new Map(before.keys.map((k) => [k.issuer_id, k]));
  const now = new Map(after.keys.map((k) => [k.issuer_id, k]));
  const steps: RotationStep[] = [];
  const push = (key: TrustKey, step: RotationStepName): void => {
    steps.push({
      trust_domain: after.trust_domain,
      bundle_sequence: after.sequence,
      step,
      issuer_id: key.issuer_id,
      public_key: key.public_key,
    });
  };
  for (const key of after.keys) {
    const step = stepFor(old.get(key.issuer_id), key);
    if (step !== undefined) push(key, step);
  }
  for (const key of before.keys) {
    if (!now.has(key.issuer_id)) push(key, 'removed');
  }
  return steps;
}
