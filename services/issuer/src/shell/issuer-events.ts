import { toBase64, type Claims } from '@fedplane/core';
import type { IssuerEvent } from './event-sink.js';

/**
 * The issuer's event payloads (identity.md, Events; data per core `EVENT_TYPES`). Each builder
 * returns the event as the sink takes it; `subject` is the identity the event is about.
 */

/** `credential.issued`: one per credential signed (issuance transparency). */
export function credentialIssued(input: {
  readonly claims: Claims;
  readonly credentialId: string;
  readonly via: 'attest' | 'renew' | 'intermediate';
  readonly generation?: number;
  readonly cause?: string;
}): IssuerEvent {
  const { claims } = input;
  return {
    type: 'credential.issued',
    subject: claims.subject_agent_id,
    ...(input.cause === undefined ? {} : { cause: input.cause }),
    data: {
      credential_id: input.credentialId,
      issuer_id: claims.issuer_id,
      trust_domain: claims.trust_domain,
      not_before: claims.not_before,
      not_after: claims.not_after,
      via: input.via,
      subject_pubkey: toBase64(claims.subject_pubkey),
      ...(input.generation === undefined ? {} : { generation: input.generation }),
    },
  };
}

/** `credential.denied`: a refused attest, renew or intermediate request. */
export function credentialDenied(input: {
  readonly operation: 'attest' | 'renew' | 'intermediate';
  readonly reason: string;
  readonly nodeId?: string | undefined;
  readonly detail?: string;
  readonly cause?: string;
}): IssuerEvent {
  return {
    type: 'credential.denied',
    ...(input.nodeId === undefined ? {} : { subject: input.nodeId }),
    ...(input.cause === undefined ? {} : { cause: input.cause }),
    data: {
      operation: input.operation,
      reason: input.reason,
      ...(input.nodeId === undefined ? {} : { node_id: input.nodeId }),
      ...(input.detail === undefined ? {} : { detail: input.detail.slice(0, 512) }),
    },
  };
}

/** `credential.reuse_detected`: a superseded credential was presented; the node is locked. */
export function reuseDetected(input: {
  readonly nodeId: string;
  readonly presentedId: string;
  readonly latestId: string;
  readonly generation: number;
  readonly cause?: string;
}): IssuerEvent {
  return {
    type: 'credential.reuse_detected',
    subject: input.nodeId,
    ...(input.cause === undefined ? {} : { cause: input.cause }),
    data: {
      presented_credential_id: input.presentedId,
      latest_credential_id: input.latestId,
      generation: input.generation,
    },
  };
}

/** `node.enrolled`: registered or re-enabled, with a join token minted. */
export function nodeEnrolled(input: {
  readonly nodeId: string;
  readonly region: string | null;
  readonly generation: number;
  readonly ttlS: number | null;
  readonly tokenExpiresAt: string;
  readonly cause?: string;
}): IssuerEvent {
  return {
    type: 'node.enrolled',
    subject: input.nodeId,
    ...(input.cause === undefined ? {} : { cause: input.cause }),
    data: {
      ...(input.region === null ? {} : { region: input.region }),
      attestor: 'join-token',
      generation: input.generation,
      ...(input.ttlS === null ? {} : { ttl_s: input.ttlS }),
      token_expires_at: input.tokenExpiresAt,
    },
  };
}

/** `node.revoked`: no further issuance; the last credential dies at its `not_after`. */
export function nodeRevoked(input: {
  readonly nodeId: string;
  readonly reason: string;
  readonly trigger: 'request' | 'reuse_detected';
  readonly lastCredentialId: string | null;
  readonly lastNotAfter: number | null;
  readonly cause?: string;
}): IssuerEvent {
  return {
    type: 'node.revoked',
    subject: input.nodeId,
    ...(input.cause === undefined ? {} : { cause: input.cause }),
    data: {
      reason: input.reason,
      trigger: input.trigger,
      ...(input.lastCredentialId === null ? {} : { last_credential_id: input.lastCredentialId }),
      ...(input.lastNotAfter === null ? {} : { last_not_after: input.lastNotAfter }),
    },
  };
}
