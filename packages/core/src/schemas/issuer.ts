import { z } from 'zod';
import { TrustBundleSchema } from '../trust-bundle.js';
import {
  AgentIdSchema,
  Base64Key32Schema,
  Ed25519HeaderSchema,
  NonceSchema,
  RegionNameSchema,
  ServiceNameSchema,
  Rfc3339MsSchema,
  UnixSecondsSchema,
  V1CredentialSchema,
  WireAgentIdSchema,
} from './primitives.js';

/**
 * Issuer request/reply shapes (identity.md, "Issuer service"): `fed.issuer.enroll`, `.attest`,
 * `.renew`, `.revoke`, `.intermediate`, `.bundle`.
 */

/** Longest credential TTL a request may ask for (365 days). */
export const MAX_CREDENTIAL_TTL_S = 365 * 24 * 3600;

/** A join token: 22–256 characters of base64url (≥ 128 bits of randomness when minted). */
export const JoinTokenSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22,256}$/, { error: 'invalid join token' });

/**
 * `fed.issuer.enroll`: register (or re-enable) a node. `ttl_s` is the node's leaf credential TTL
 * (the inventory's `cred_ttl`); absent = the issuer default (1 h). TTL ≤ 0 is refused. By default
 * the new join token replaces the node's unused ones (an operator re-enrolling revokes a token
 * that leaked); `keep_tokens: true` leaves them valid — the reconciler's enrollment of an
 * inventory node must not invalidate the token the operator took with `fedplane enroll`.
 */
export const EnrollRequestSchema = z.strictObject({
  node_id: WireAgentIdSchema,
  region: RegionNameSchema.optional(),
  ttl_s: z.int().min(1).max(MAX_CREDENTIAL_TTL_S).optional(),
  keep_tokens: z.boolean().optional(),
});
/** An enroll request. */
export type EnrollRequest = z.infer<typeof EnrollRequestSchema>;

/** `fed.issuer.enroll` reply: the single-use join token and when it expires. */
export const EnrollReplySchema = z.strictObject({
  join_token: JoinTokenSchema,
  expires_at: Rfc3339MsSchema,
});
/** An enroll reply. */
export type EnrollReply = z.infer<typeof EnrollReplySchema>;

/** Attestation evidence: a join token, or a service bootstrap secret. */
export const AttestationSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('join_token'), token: JoinTokenSchema }),
  z.strictObject({
    type: z.literal('service'),
    service: ServiceNameSchema,
    secret: z.string().min(16).max(512),
  }),
]);
/** Attestation evidence. */
export type Attestation = z.infer<typeof AttestationSchema>;

/**
 * `fed.issuer.attest`: first credential for `node_id` with its new public key. For a service
 * attestation `node_id` must be `svc/<service>/<instance>` with the same service.
 */
export const AttestRequestSchema = z
  .strictObject({
    node_id: WireAgentIdSchema,
    public_key: Base64Key32Schema,
    attestation: AttestationSchema,
  })
  .refine(
    (r) =>
      r.attestation.type !== 'service' ||
      (r.node_id.startsWith(`svc/${r.attestation.service}/`) &&
        r.node_id.length > `svc/${r.attestation.service}/`.length &&
        !r.node_id.slice(`svc/${r.attestation.service}/`.length).includes('/')),
    { error: 'a service identity must be svc/<service>/<instance>', path: ['node_id'] },
  );
/** An attest request. */
export type AttestRequest = z.infer<typeof AttestRequestSchema>;

/** Reply of attest, renew and intermediate: the credential, its chain when any, its `not_after`. */
export const CredentialReplySchema = z.strictObject({
  credential: V1CredentialSchema,
  chain: V1CredentialSchema.optional(),
  not_after: UnixSecondsSchema,
});
/** A credential reply. */
export type CredentialReply = z.infer<typeof CredentialReplySchema>;

/**
 * `fed.issuer.renew`: proof of possession of the current credential's key. `pop` signs
 * `fedplane-renew-v1\n<credential>\n<new_public_key or "">\n<nonce>\n<ts>`.
 */
export const RenewRequestSchema = z.strictObject({
  credential: V1CredentialSchema,
  chain: V1CredentialSchema.optional(),
  new_public_key: Base64Key32Schema.optional(),
  nonce: NonceSchema,
  ts: UnixSecondsSchema,
  pop: Ed25519HeaderSchema,
});
/** A renew request. */
export type RenewRequest = z.infer<typeof RenewRequestSchema>;

/** `fed.issuer.revoke`: deny all further issuance for a node. */
export const RevokeRequestSchema = z.strictObject({
  node_id: WireAgentIdSchema,
  reason: z.string().min(1).max(512),
});
/** A revoke request. */
export type RevokeRequest = z.infer<typeof RevokeRequestSchema>;

/**
 * `fed.issuer.revoke` reply: the node is revoked; its last credential dies at `last_not_after`
 * (null when none was ever issued).
 */
export const RevokeReplySchema = z.strictObject({
  node_id: AgentIdSchema,
  status: z.literal('revoked'),
  last_not_after: UnixSecondsSchema.nullable(),
});
/** A revoke reply. */
export type RevokeReply = z.infer<typeof RevokeReplySchema>;

/** `fed.issuer.intermediate`: mint `region/<region>/ca` (TTL 24 h). Reply: {@link CredentialReplySchema}. */
export const IntermediateRequestSchema = z.strictObject({ region: RegionNameSchema });
/** An intermediate request. */
export type IntermediateRequest = z.infer<typeof IntermediateRequestSchema>;

/** `fed.issuer.bundle` request: no fields. */
export const BundleRequestSchema = z.strictObject({});
/** A bundle request. */
export type BundleRequest = z.infer<typeof BundleRequestSchema>;

/**
 * `fed.issuer.bundle` reply: the trust bundle JSON as kept in `fed-trust` / `bundle`
 * (trust-bundle.ts owns the schema and its invariants).
 */
export const BundleReplySchema = TrustBundleSchema;
/** A bundle reply. */
export type BundleReply = z.infer<typeof BundleReplySchema>;

/** `fed.issuer.rotate` (admin): publish a new issuer key as `next`; no fields. */
export const RotateRequestSchema = z.strictObject({});
/** A rotate request. */
export type RotateRequest = z.infer<typeof RotateRequestSchema>;

/** `fed.issuer.rotate` reply: the new key, the bundle sequence it entered, when it activates. */
export const RotateReplySchema = z.strictObject({
  issuer_id: z.string().min(1).max(128),
  public_key: Base64Key32Schema,
  bundle_sequence: z.int().min(1),
  activates_at: Rfc3339MsSchema,
});
/** A rotate reply. */
export type RotateReply = z.infer<typeof RotateReplySchema>;
