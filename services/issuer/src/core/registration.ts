import type { ErrorCode } from '@fedplane/core';

/**
 * The issuer's registration model (identity.md, Issuer service): one row per node or service
 * identity, its status, region and the lineage of credentials issued to it. Plain readonly data;
 * the Postgres adapter maps rows to and from it.
 */

/** Registration status: `revoked` means no further issuance. */
export const RegistrationStatus = { enrolled: 'enrolled', revoked: 'revoked' } as const;
/** A registration status. */
export type RegistrationStatus = (typeof RegistrationStatus)[keyof typeof RegistrationStatus];

/** How the identity proves itself at attestation. */
export const AttestorKind = { joinToken: 'join-token', service: 'service' } as const;
/** An attestor kind. */
export type AttestorKind = (typeof AttestorKind)[keyof typeof AttestorKind];

/** One registration. Times are Unix milliseconds, `not_after` Unix seconds. */
export type Registration = {
  readonly nodeId: string;
  readonly status: RegistrationStatus;
  readonly region: string | null;
  readonly attestor: AttestorKind;
  /** One more on every enrollment and every issuance (≥ 1). */
  readonly generation: number;
  /** Leaf TTL for this node; `null` = the issuer default. */
  readonly credTtlS: number | null;
  /** Id (hex SHA-256 of the envelope) of the latest credential issued. */
  readonly lastCredentialId: string | null;
  /** Id of the credential the latest one superseded by renewal (`null` after an attestation). */
  readonly prevCredentialId: string | null;
  readonly lastNotAfter: number | null;
  /** Exact reply JSON of the latest issuance. */
  readonly lastReply: string | null;
  /** When a request authenticated with the latest credential without superseding it. */
  readonly lastPresentedAtMs: number | null;
};

/** A refusal: the wire error code and a stable snake_case reason tag. */
export type Denial = {
  readonly kind: 'deny';
  readonly code: ErrorCode;
  readonly reason: string;
  readonly message: string;
};

/** Builds a {@link Denial}. */
export function deny(code: ErrorCode, reason: string, message: string): Denial {
  return { kind: 'deny', code, reason, message };
}

/** The service-identity namespace: `svc/<service>/<instance>` ids are attested by secret only. */
export const SERVICE_ID_PREFIX = 'svc/';
