import { ErrorCode } from '@fedplane/core';
import {
  AttestorKind,
  RegistrationStatus,
  SERVICE_ID_PREFIX,
  deny,
  type Denial,
  type Registration,
} from './registration.js';

/**
 * The enrollment decision (identity.md, `fed.issuer.enroll`): register a node, refresh an enrolled
 * one (a new token; region and TTL updated when given) or re-enable a revoked one. Re-enabling
 * forgets the old credential lineage, so a credential from before the revocation can never renew.
 */

/** Inputs of {@link decideEnroll}. */
export type EnrollInput = {
  readonly nodeId: string;
  readonly region: string | undefined;
  readonly ttlS: number | undefined;
  /** The node's registration (locked by the caller), or `undefined`. */
  readonly registration: Registration | undefined;
  readonly nowMs: number;
  /** Join-token lifetime in milliseconds (> 0). */
  readonly tokenTtlMs: number;
};

/** How the registration changes. */
export type EnrollMode = 'created' | 'refreshed' | 'reenabled';

/** What to do: write `registration` and mint a token expiring at `tokenExpiresAtMs`. */
export type EnrollDecision =
  | {
      readonly kind: 'enroll';
      readonly mode: EnrollMode;
      readonly registration: Registration;
      readonly tokenExpiresAtMs: number;
    }
  | Denial;

/**
 * Decides an enrollment.
 * Order: a `svc/` id → `BAD_REQUEST service_namespace_reserved` (services attest by secret); a
 * service registration → `FORBIDDEN attestor_mismatch`; none → `created` (generation 1);
 * enrolled → `refreshed` (generation + 1, lineage kept); revoked → `reenabled` (generation + 1,
 * lineage cleared, revocation forgotten). Region and TTL: the request's when given, else the
 * registration's. The token expires at `now + tokenTtlMs`. Pure; never throws.
 */
export function decideEnroll(input: EnrollInput): EnrollDecision {
  const { registration: reg } = input;
  if (input.nodeId.startsWith(SERVICE_ID_PREFIX)) {
    return deny(
      ErrorCode.BAD_REQUEST,
      'service_namespace_reserved',
      'svc/ identities attest with a service secret, not a join token',
    );
  }
  const tokenExpiresAtMs = input.nowMs + input.tokenTtlMs;
  if (reg === undefined) {
    return {
      kind: 'enroll',
      mode: 'created',
      tokenExpiresAtMs,
      registration: {
        nodeId: input.nodeId,
        status: RegistrationStatus.enrolled,
        region: input.region ?? null,
        attestor: AttestorKind.joinToken,
        generation: 1,
        credTtlS: input.ttlS ?? null,
        lastCredentialId: null,
        prevCredentialId: null,
        lastNotAfter: null,
        lastReply: null,
        lastPresentedAtMs: null,
      },
    };
  }
  if (reg.attestor !== AttestorKind.joinToken) {
    return deny(ErrorCode.FORBIDDEN, 'attestor_mismatch', 'identity is not a join-token node');
  }
  const updated: Registration = {
    ...reg,
    status: RegistrationStatus.enrolled,
    region: input.region ?? reg.region,
    credTtlS: input.ttlS ?? reg.credTtlS,
    generation: reg.generation + 1,
  };
  if (reg.status === RegistrationStatus.enrolled) {
    return { kind: 'enroll', mode: 'refreshed', tokenExpiresAtMs, registration: updated };
  }
  return {
    kind: 'enroll',
    mode: 'reenabled',
    tokenExpiresAtMs,
    registration: {
      ...updated,
      lastCredentialId: null,
      prevCredentialId: null,
      lastNotAfter: null,
      lastReply: null,
      lastPresentedAtMs: null,
    },
  };
}

/** Outcome of {@link decideRevoke}. */
export type RevokeDecision =
  | { readonly kind: 'revoke'; readonly lastNotAfter: number | null }
  | { readonly kind: 'already_revoked'; readonly lastNotAfter: number | null }
  | Denial;

/**
 * Decides a revocation: no registration → `NOT_FOUND node_unknown`; already revoked →
 * `already_revoked` (idempotent, nothing written); else `revoke`. The node's credential dies at
 * its `not_after` (`lastNotAfter`, null when none was issued). Pure; never throws.
 */
export function decideRevoke(registration: Registration | undefined): RevokeDecision {
  if (registration === undefined) {
    return deny(ErrorCode.NOT_FOUND, 'node_unknown', 'node is not registered');
  }
  if (registration.status === RegistrationStatus.revoked) {
    return { kind: 'already_revoked', lastNotAfter: registration.lastNotAfter };
  }
  return { kind: 'revoke', lastNotAfter: registration.lastNotAfter };
}
