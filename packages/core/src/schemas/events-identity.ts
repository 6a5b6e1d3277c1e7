import { z } from 'zod';
import {
  AgentIdSchema,
  Base64Key32Schema,
  Hex32Schema,
  RegionNameSchema,
  Rfc3339MsSchema,
  TagSchema,
  TrustDomainSchema,
  UnixSecondsSchema,
  boundedText,
} from './primitives.js';

/**
 * `data` of the identity events (identity.md): emitted by the issuer and the renewal-agent.
 * Strict: a new field is added here first, so docs/events.md (generated from the catalog) stays
 * complete. Validity windows are reported as sent, not checked for order: the audit log records
 * what was said.
 */

const windowFields = {
  issuer_id: AgentIdSchema,
  trust_domain: TrustDomainSchema,
  not_before: UnixSecondsSchema,
  not_after: UnixSecondsSchema,
};

/** `credential.issued`: every credential the issuer signs (issuance transparency). */
export const CredentialIssuedDataSchema = z.strictObject({
  credential_id: Hex32Schema,
  ...windowFields,
  /** How it was obtained. */
  via: z.enum(['attest', 'renew', 'intermediate']).optional(),
  subject_pubkey: Base64Key32Schema.optional(),
  /** The registration's generation (one more per issuance). */
  generation: z.int().min(1).optional(),
});

/** `credential.renewed`: the agent swapped in a new credential (reference audit payload). */
export const CredentialRenewedDataSchema = z.strictObject({
  subject: AgentIdSchema,
  ...windowFields,
  renewed_at: Rfc3339MsSchema,
  credential_id: Hex32Schema.optional(),
  previous_credential_id: Hex32Schema.optional(),
  key_rotated: z.boolean().optional(),
});

/** `credential.denied`: the issuer refused an attest, renew or intermediate request. */
export const CredentialDeniedDataSchema = z.strictObject({
  operation: z.enum(['attest', 'renew', 'intermediate']),
  /** Stable tag: `credential_expired`, `node_revoked`, `node_unknown`, `token_used`, `nonce_replay`, … */
  reason: TagSchema,
  node_id: AgentIdSchema.optional(),
  detail: boundedText(512).optional(),
});

/** `credential.reuse_detected`: a superseded credential was presented; the node is now revoked. */
export const CredentialReuseDetectedDataSchema = z.strictObject({
  presented_credential_id: Hex32Schema,
  latest_credential_id: Hex32Schema,
  generation: z.int().min(1).optional(),
});

/** `node.enrolled`: a node was registered (or re-enabled) and a join token minted. */
export const NodeEnrolledDataSchema = z.strictObject({
  region: RegionNameSchema.optional(),
  attestor: z.enum(['mtls-cert', 'node-plugin', 'join-token']),
  generation: z.int().min(1),
  ttl_s: z.int().min(1).optional(),
  token_expires_at: Rfc3339MsSchema.optional(),
});

/** `node.revoked`: no further issuance; the last credential dies at `last_not_after`. */
export const NodeRevokedDataSchema = z.strictObject({
  reason: z.string().min(1).max(512),
  trigger: z.enum(['request', 'reuse_detected']).optional(),
  last_credential_id: Hex32Schema.optional(),
  last_not_after: UnixSecondsSchema.optional(),
});

/** `issuer.key_rotated`: one step of publish-before-use key rotation in the trust bundle. */
export const IssuerKeyRotatedDataSchema = z.strictObject({
  trust_domain: TrustDomainSchema,
  bundle_sequence: z.int().min(0),
  step: z.enum(['published_next', 'activated', 'retired', 'removed']),
  issuer_id: AgentIdSchema,
  public_key: Base64Key32Schema,
});

/** `credential.renewal_failed`: a renewal attempt failed; the held credential stays. */
export const CredentialRenewalFailedDataSchema = z.strictObject({
  reason: TagSchema,
  detail: boundedText(512).optional(),
  attempt: z.int().min(1),
  retry_at: Rfc3339MsSchema.optional(),
  credential_id: Hex32Schema.optional(),
  not_after: UnixSecondsSchema.optional(),
});

/** `credential.expiring`: the held credential is inside the renewal lead window. */
export const CredentialExpiringDataSchema = z.strictObject({
  credential_id: Hex32Schema,
  not_after: UnixSecondsSchema,
  remaining_s: z.int().min(0),
});

/** `credential.expired`: the held credential is past `not_after` (the node can no longer sign). */
export const CredentialExpiredDataSchema = z.strictObject({
  credential_id: Hex32Schema,
  not_after: UnixSecondsSchema,
});
