import { TEXT_MAX_CHARS, type Claims, type NodeStatus } from '@fedplane/core';

/**
 * The node status body (identity.md: `{node_id, credential_id, issuer_id, not_before, not_after,
 * can_sign, agent_version, last_renewal_at, last_error?}`, core `NodeStatusSchema`, plus `at`),
 * and when it changed enough to publish at once.
 */

/** Inputs of {@link buildNodeStatus}. */
export type StatusInput = {
  readonly nodeId: string;
  /** The held credential, or null (then there is no status: nothing can sign it). */
  readonly held: { readonly credentialId: string; readonly claims: Claims } | null;
  /** Unix milliseconds. */
  readonly nowMs: number;
  readonly agentVersion: string;
  /** Unix ms of the last renewal swapped in after attestation, or null. */
  readonly lastRenewalAtMs: number | null;
  /** The last attempt's error, when the last attempt failed. */
  readonly lastError?: string;
};

/** RFC 3339 UTC with milliseconds. */
export function rfc3339Ms(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The status body, or null when nothing is held. `can_sign` is true iff
 * `not_before <= floor(now) <= not_after` (the verifier's window, both bounds valid).
 * `last_error` is cut to the schema's limit. Pure.
 */
export function buildNodeStatus(input: StatusInput): NodeStatus | null {
  const { held } = input;
  if (held === null) return null;
  const nowS = Math.floor(input.nowMs / 1000);
  const { claims } = held;
  return {
    node_id: input.nodeId,
    credential_id: held.credentialId,
    issuer_id: claims.issuer_id,
    not_before: claims.not_before,
    not_after: claims.not_after,
    can_sign: claims.not_before <= nowS && nowS <= claims.not_after,
    agent_version: input.agentVersion,
    last_renewal_at: input.lastRenewalAtMs === null ? null : rfc3339Ms(input.lastRenewalAtMs),
    ...(input.lastError === undefined
      ? {}
      : { last_error: input.lastError.slice(0, TEXT_MAX_CHARS) }),
    at: rfc3339Ms(input.nowMs),
  };
}

/** The status fields compared by {@link statusChanged}: every field but `at`. */
const COMPARED = [
  'node_id',
  'credential_id',
  'issuer_id',
  'not_before',
  'not_after',
  'can_sign',
  'agent_version',
  'last_renewal_at',
  'last_error',
] as const satisfies readonly (keyof NodeStatus)[];

/** True when `a` and `b` differ in anything but `at` (a change is published at once). */
export function statusChanged(a: NodeStatus | null, b: NodeStatus | null): boolean {
  if (a === null || b === null) return a !== b;
  return COMPARED.some((key) => a[key] !== b[key]);
}
