import { ErrorCode } from '@fedplane/core';
import {
  AttestorKind,
  RegistrationStatus,
  deny,
  type Denial,
  type Registration,
} from './registration.js';

/**
 * The attestation decision (identity.md, `fed.issuer.attest`): may this evidence get a first
 * credential for `nodeId` now? Join tokens must be known, bound to the node, unused and
 * unexpired, for an enrolled node; a service secret must match and the service identity must not
 * be revoked.
 */

/** A join token as stored (looked up by the SHA-256 of the presented token). */
export type JoinTokenRow = {
  readonly nodeId: string;
  readonly expiresAtMs: number;
  readonly usedAtMs: number | null;
};

/** The evidence, already resolved against storage. */
export type AttestEvidence =
  | { readonly kind: 'join_token'; readonly token: JoinTokenRow | undefined }
  | { readonly kind: 'service'; readonly secretValid: boolean };

/** Inputs of {@link decideAttest}. */
export type AttestInput = {
  readonly nodeId: string;
  readonly evidence: AttestEvidence;
  /** The node's registration (locked by the caller), or `undefined`. */
  readonly registration: Registration | undefined;
  readonly nowMs: number;
  /** Leaf TTL when the registration names none. */
  readonly defaultTtlS: number;
};

/** What to do: issue (and how) or refuse. */
export type AttestDecision =
  | {
      readonly kind: 'issue';
      /** Mark the join token used in the issuing transaction. */
      readonly consumeToken: boolean;
      /** Insert a registration (first attestation of a service identity). */
      readonly createRegistration: boolean;
      readonly ttlS: number;
      readonly region: string | null;
      /** The registration's generation after this issuance. */
      readonly generation: number;
    }
  | Denial;

function decideJoinToken(input: AttestInput, token: JoinTokenRow | undefined): AttestDecision {
  const { registration } = input;
  if (token === undefined)
    return deny(ErrorCode.UNAUTHENTICATED, 'token_invalid', 'unknown join token');
  if (token.nodeId !== input.nodeId) {
    return deny(ErrorCode.UNAUTHENTICATED, 'token_wrong_node', 'join token is for another node');
  }
  if (token.usedAtMs !== null)
    return deny(ErrorCode.CONFLICT, 'token_used', 'join token already used');
  if (input.nowMs >= token.expiresAtMs) {
    return deny(ErrorCode.UNAUTHENTICATED, 'token_expired', 'join token expired');
  }
  if (registration === undefined) {
    return deny(ErrorCode.FORBIDDEN, 'node_unknown', 'node is not enrolled');
  }
  if (registration.status === RegistrationStatus.revoked) {
    return deny(ErrorCode.FORBIDDEN, 'node_revoked', 'node is revoked');
  }
  return {
    kind: 'issue',
    consumeToken: true,
    createRegistration: false,
    ttlS: registration.credTtlS ?? input.defaultTtlS,
    region: registration.region,
    generation: registration.generation + 1,
  };
}

function decideService(input: AttestInput, secretValid: boolean): AttestDecision {
  const { registration } = input;
  if (!secretValid) {
    return deny(
      ErrorCode.UNAUTHENTICATED,
      'service_attestation_failed',
      'service attestation failed',
    );
  }
  if (registration === undefined) {
    return {
      kind: 'issue',
      consumeToken: false,
      createRegistration: true,
      ttlS: input.defaultTtlS,
      region: null,
      generation: 1,
    };
  }
  if (registration.status === RegistrationStatus.revoked) {
    return deny(ErrorCode.FORBIDDEN, 'node_revoked', 'service identity is revoked');
  }
  if (registration.attestor !== AttestorKind.service) {
    return deny(ErrorCode.FORBIDDEN, 'attestor_mismatch', 'identity is not a service identity');
  }
  return {
    kind: 'issue',
    consumeToken: false,
    createRegistration: false,
    ttlS: registration.credTtlS ?? input.defaultTtlS,
    region: registration.region,
    generation: registration.generation + 1,
  };
}

/**
 * Decides an attestation.
 * Inputs: node id, resolved evidence, the locked registration (or none), `nowMs`, default TTL.
 * Join token, in order: unknown → `UNAUTHENTICATED token_invalid`; bound to another node →
 * `UNAUTHENTICATED token_wrong_node`; used → `CONFLICT token_used`; `now ≥ expires_at` →
 * `UNAUTHENTICATED token_expired`; no registration → `FORBIDDEN node_unknown`; revoked →
 * `FORBIDDEN node_revoked`; else issue and consume the token.
 * Service, in order: bad secret → `UNAUTHENTICATED service_attestation_failed`; no registration
 * → issue and create it (generation 1); revoked → `FORBIDDEN node_revoked`; registered by a
 * join token → `FORBIDDEN attestor_mismatch`; else issue.
 * Invariant: an `issue` has `generation` = previous + 1 (1 for a new registration) and a TTL
 * from the registration or the default. Pure; never throws.
 */
export function decideAttest(input: AttestInput): AttestDecision {
  const { evidence } = input;
  return evidence.kind === 'join_token'
    ? decideJoinToken(input, evidence.token)
    : decideService(input, evidence.secretValid);
}
