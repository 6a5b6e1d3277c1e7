import { ErrorCode, type Claims } from '@fedplane/core';
import { rfc3339Ms } from './status-body.js';

/**
 * `data` of the events the agent emits about its own credential (core catalog:
 * `credential.renewed`, `credential.renewal_failed`), and the stable reason tag of a failure.
 */

/** Inputs of {@link renewedData}. */
export type RenewedInput = {
  readonly claims: Claims;
  readonly credentialId: string;
  /** Unix milliseconds of the swap. */
  readonly renewedAtMs: number;
  readonly previousCredentialId?: string;
  readonly keyRotated: boolean;
};

/**
 * `credential.renewed` data: the reference audit payload (`federation.credential_renewed`:
 * subject, issuer, trust domain, validity window, renewal time) plus the credential ids and
 * whether the node key was rotated. Pure.
 */
export function renewedData(input: RenewedInput): Record<string, unknown> {
  const { claims } = input;
  return {
    subject: claims.subject_agent_id,
    issuer_id: claims.issuer_id,
    trust_domain: claims.trust_domain,
    not_before: claims.not_before,
    not_after: claims.not_after,
    renewed_at: rfc3339Ms(input.renewedAtMs),
    credential_id: input.credentialId,
    ...(input.previousCredentialId === undefined
      ? {}
      : { previous_credential_id: input.previousCredentialId }),
    ...(input.keyRotated ? { key_rotated: true } : {}),
  };
}

/** Inputs of {@link renewalFailedData}. */
export type RenewalFailedInput = {
  readonly reason: string;
  readonly detail?: string;
  /** Consecutive failures including this one (>= 1). */
  readonly attempt: number;
  /** Unix milliseconds of the next attempt, when one is planned. */
  readonly retryAtMs?: number;
  readonly held?: { readonly credentialId: string; readonly notAfter: number };
};

const DETAIL_MAX = 512;

/** `credential.renewal_failed` data; `detail` cut to 512 characters. Pure. */
export function renewalFailedData(input: RenewalFailedInput): Record<string, unknown> {
  return {
    reason: input.reason,
    ...(input.detail === undefined ? {} : { detail: input.detail.slice(0, DETAIL_MAX) }),
    attempt: Math.max(1, Math.floor(input.attempt)),
    ...(input.retryAtMs === undefined ? {} : { retry_at: rfc3339Ms(input.retryAtMs) }),
    ...(input.held === undefined
      ? {}
      : { credential_id: input.held.credentialId, not_after: input.held.notAfter }),
  };
}

const TAG_RE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * A stable snake_case reason tag (core `TagSchema`): `reason` when it is one, else the wire code
 * in lower case (`UNAVAILABLE` → `unavailable`), else `unknown`. Pure.
 */
export function reasonTag(code: string, reason?: string): string {
  if (reason !== undefined && TAG_RE.test(reason)) return reason;
  const fromCode = code.toLowerCase();
  return TAG_RE.test(fromCode) ? fromCode : 'unknown';
}

/** How an issuer refusal or failure is handled. */
export type FailureClass = {
  /** `error`: transport or server trouble (retry); `refused`: the issuer said no. */
  readonly result: 'error' | 'refused';
  /** The issuer refused the held credential itself: the next attempt attests. */
  readonly reattest: boolean;
};

/**
 * Classifies an issuer failure by wire code and `details.reason`: `UNAVAILABLE`, `INTERNAL`,
 * `RATE_LIMITED` are `error`; anything else is `refused`. `reattest` when the code is
 * `UNAUTHENTICATED` and the reason is a credential or chain verification tag (`credential_*`,
 * `chain_*`): the issuer no longer accepts the held credential, so only a join token helps. Pure.
 */
export function classifyIssuerFailure(code: string, reason?: string): FailureClass {
  const transient =
    code === ErrorCode.UNAVAILABLE ||
    code === ErrorCode.INTERNAL ||
    code === ErrorCode.RATE_LIMITED;
  const reattest =
    code === ErrorCode.UNAUTHENTICATED &&
    reason !== undefined &&
    (reason.startsWith('credential_') || reason.startsWith('chain_'));
  return { result: transient ? 'error' : 'refused', reattest };
}
