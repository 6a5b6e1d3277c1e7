import { checkAgentId, type AgentIdProblem } from './agent-id.js';
import {
  CRED_VERSION,
  credentialId,
  encodeClaims,
  encodeEnvelope,
  formatCredentialHeader,
  type Claims,
} from './credential.js';
import { ED25519_PUBLIC_KEY_BYTES, signEd25519 } from './ed25519.js';
import { isEd25519Point } from './ed25519-point.js';

/**
 * Minting a credential (identity.md, Issuer service; reference §2.7): claims with
 * `not_before = now − 30`, `not_after = now + ttl`, `cred_version = 1`, signed by the issuer key
 * over the canonical claim bytes.
 */

/** Back-dating of `not_before` (reference `clock_skew_secs`): the only skew allowance there is. */
export const ISSUER_CLOCK_SKEW_S = 30;
/** Default leaf lifetime. */
export const DEFAULT_LEAF_TTL_S = 3600;
/** Default intermediate lifetime. */
export const DEFAULT_INTERMEDIATE_TTL_S = 86_400;

/** Inputs of {@link issueCredential}. */
export type IssueInput = {
  /** The issuer's (or intermediate's) 32-byte Ed25519 seed. */
  readonly issuerSeed: Uint8Array;
  readonly issuerId: string;
  readonly trustDomain: string;
  readonly subjectAgentId: string;
  readonly subjectPubkey: Uint8Array;
  /** Unix seconds. */
  readonly nowS: number;
  readonly ttlS: number;
};

/** A freshly minted credential in every form callers need. */
export type IssuedCredential = {
  readonly claims: Claims;
  readonly claimBytes: Uint8Array;
  readonly signature: Uint8Array;
  readonly envelope: Uint8Array;
  /** `v1=` + base64 of the envelope (header and file form). */
  readonly header: string;
  /** Lowercase hex SHA-256 of the envelope. */
  readonly credentialId: string;
};

/** Why issuance was refused. */
export type IssueError =
  | { readonly tag: 'issuer_invalid_ttl'; readonly ttl_s: number }
  | { readonly tag: 'issuer_invalid_subject'; readonly reason: AgentIdProblem }
  | { readonly tag: 'issuer_invalid_subject_key' };

/** Result of {@link issueCredential}. */
export type IssueResult =
  | { readonly ok: true; readonly value: IssuedCredential }
  | { readonly ok: false; readonly error: IssueError };

/**
 * Mints a credential.
 * Input: issuer seed and id, trust domain, subject id and key, `nowS` (a safe integer) and
 * `ttlS`. Refusals: `ttlS` not a positive integer, or `nowS + ttlS` / `nowS − 30` outside the
 * safe-integer range → `issuer_invalid_ttl`; subject not a well-formed agent id →
 * `issuer_invalid_subject` (a fedplane addition: the reference does not check); subject key not
 * 32 bytes of a curve point → `issuer_invalid_subject_key`. Output: claims, exact claim bytes,
 * signature, envelope, header and credential id. Deterministic (Ed25519 is).
 */
export function issueCredential(input: IssueInput): IssueResult {
  const { nowS, ttlS } = input;
  if (!Number.isSafeInteger(nowS)) throw new RangeError('nowS must be a safe integer');
  const notAfter = nowS + ttlS;
  const notBefore = nowS - ISSUER_CLOCK_SKEW_S;
  if (
    !Number.isSafeInteger(ttlS) ||
    ttlS <= 0 ||
    !Number.isSafeInteger(notAfter) ||
    !Number.isSafeInteger(notBefore)
  ) {
    return { ok: false, error: { tag: 'issuer_invalid_ttl', ttl_s: ttlS } };
  }
  const subject = checkAgentId(input.subjectAgentId);
  if (!subject.ok)
    return { ok: false, error: { tag: 'issuer_invalid_subject', reason: subject.reason } };
  if (
    input.subjectPubkey.byteLength !== ED25519_PUBLIC_KEY_BYTES ||
    !isEd25519Point(input.subjectPubkey)
  ) {
    return { ok: false, error: { tag: 'issuer_invalid_subject_key' } };
  }
  const claims: Claims = {
    cred_version: CRED_VERSION,
    issuer_id: input.issuerId,
    not_after: notAfter,
    not_before: notBefore,
    subject_agent_id: input.subjectAgentId,
    subject_pubkey: input.subjectPubkey.slice(),
    trust_domain: input.trustDomain,
  };
  const claimBytes = encodeClaims(claims);
  const signature = signEd25519(input.issuerSeed, claimBytes);
  const envelope = encodeEnvelope(claimBytes, signature);
  return {
    ok: true,
    value: {
      claims,
      claimBytes,
      signature,
      envelope,
      header: formatCredentialHeader(envelope),
      credentialId: credentialId(envelope),
    },
  };
}
