import { ErrorCode } from '@fedplane/core';
import { RegistrationStatus, deny, type Denial, type Registration } from './registration.js';

/**
 * The lineage decision of `fed.issuer.renew` (identity.md): given the node's registration and
 * the id of the credential presented (already verified, with proof of possession), renew, repeat
 * a lost reply, or treat the presentation as reuse of a copied credential.
 */

/** Inputs of {@link decideRenew}. */
export type RenewInput = {
  /** The registration of the credential's subject (locked by the caller), or `undefined`. */
  readonly registration: Registration | undefined;
  readonly presentedId: string;
  /** Leaf TTL when the registration names none. */
  readonly defaultTtlS: number;
};

/** What to do with a verified renewal. */
export type RenewDecision =
  | {
      /** Issue the next credential; the presented one becomes the previous. */
      readonly kind: 'issue';
      readonly ttlS: number;
      readonly region: string | null;
      readonly generation: number;
      readonly previousId: string;
    }
  | {
      /** Lost-reply retry: send the stored reply of the latest issuance again, unchanged. */
      readonly kind: 'retry';
      readonly reply: string;
      readonly latestId: string;
    }
  | {
      /** A superseded credential was presented: lock the node to `revoked`. */
      readonly kind: 'reuse';
      readonly presentedId: string;
      readonly latestId: string;
      readonly generation: number;
      readonly lastNotAfter: number | null;
    }
  | Denial;

/**
 * Decides a verified renewal.
 * Order: no registration → `FORBIDDEN node_unknown`; revoked → `FORBIDDEN node_revoked`;
 * presented = latest → `issue` (generation + 1, TTL from the registration or the default);
 * presented = previous, the latest never presented and its reply stored → `retry` with those
 * exact bytes (no new issuance); no credential issued since the registration was re-enabled →
 * `FORBIDDEN credential_superseded` (nothing to compare with, nothing locked); anything else
 * (older, or the previous after the latest was presented) → `reuse`.
 * Pure; never throws.
 */
export function decideRenew(input: RenewInput): RenewDecision {
  const { registration: reg, presentedId } = input;
  if (reg === undefined) return deny(ErrorCode.FORBIDDEN, 'node_unknown', 'node is not enrolled');
  if (reg.status === RegistrationStatus.revoked) {
    return deny(ErrorCode.FORBIDDEN, 'node_revoked', 'node is revoked');
  }
  if (presentedId === reg.lastCredentialId) {
    return {
      kind: 'issue',
      ttlS: reg.credTtlS ?? input.defaultTtlS,
      region: reg.region,
      generation: reg.generation + 1,
      previousId: presentedId,
    };
  }
  if (reg.lastCredentialId === null) {
    return deny(
      ErrorCode.FORBIDDEN,
      'credential_superseded',
      'credential predates the current enrollment; attest again',
    );
  }
  if (
    presentedId === reg.prevCredentialId &&
    reg.lastPresentedAtMs === null &&
    reg.lastReply !== null
  ) {
    return { kind: 'retry', reply: reg.lastReply, latestId: reg.lastCredentialId };
  }
  return {
    kind: 'reuse',
    presentedId,
    latestId: reg.lastCredentialId,
    generation: reg.generation + 1,
    lastNotAfter: reg.lastNotAfter,
  };
}
