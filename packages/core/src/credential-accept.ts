import { bytesEqual } from './bytes.js';
import { decodeChain, verifyIdentity, type IdentityVerifyError } from './chain.js';
import type { VerifierBundle } from './credential-verify.js';
import {
  claimsEqual,
  credentialId,
  decodeCredential,
  type Claims,
  type CredentialDecodeError,
} from './credential.js';

/**
 * Whether a credential the issuer just returned replaces the one held (identity.md,
 * "Renewal-agent service": never drop a valid credential; a chain is replaced only together with
 * a leaf that verifies with it; identical claims are not swapped in).
 */

/** The credential currently held (leaf and chain as their `v1=` values). */
export type HeldCredentialPair = {
  readonly claims: Claims;
  readonly chain?: string | undefined;
};

/** What the issuer returned (`CredentialReply`). */
export type IssuedReply = {
  readonly credential: string;
  readonly chain?: string | undefined;
  readonly not_after: number;
};

/** Inputs of {@link acceptIssued}. */
export type AcceptInput = {
  readonly held: HeldCredentialPair | null;
  readonly reply: IssuedReply;
  /** The identity this holder asked for. */
  readonly expectedAgentId: string;
  /** The public key this holder attested or renewed with. */
  readonly expectedPublicKey: Uint8Array;
  /** The trust bundle, or null when none is known yet (structural checks only). */
  readonly bundle: VerifierBundle | null;
  /** Unix seconds. */
  readonly nowS: number;
};

/** Why a returned credential was refused (the held one stays). */
export type AcceptError =
  | CredentialDecodeError
  | IdentityVerifyError
  | { readonly tag: 'accept_identity_mismatch'; readonly expected: string; readonly actual: string }
  | { readonly tag: 'accept_key_mismatch' }
  | { readonly tag: 'accept_not_after_mismatch'; readonly reply: number; readonly claims: number }
  | { readonly tag: 'accept_expired'; readonly not_after: number };

/** The decision. */
export type AcceptOutcome =
  | {
      readonly kind: 'swap';
      readonly claims: Claims;
      /** Lowercase hex SHA-256 of the new envelope. */
      readonly credentialId: string;
    }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'reject'; readonly error: AcceptError };

/**
 * Decides whether `reply` replaces `held`.
 *
 * Order: the leaf decodes (else its decode error); its `subject_agent_id` is `expectedAgentId`
 * (`accept_identity_mismatch`); its subject key is `expectedPublicKey` (`accept_key_mismatch`);
 * its `not_after` equals the reply's (`accept_not_after_mismatch`); then, with a bundle, the leaf
 * and chain verify together at `nowS` (core `verifyIdentity`, any of its tags; a chain that does
 * not decode is `credential_malformed`); without a bundle, only `nowS > not_after` is refused
 * (`accept_expired`) and a present chain must still decode. Finally identical claims with the
 * same chain are `unchanged`; anything else accepted is `swap`.
 * Pure; never throws (malformed input of any kind is a `reject`).
 */
export function acceptIssued(input: AcceptInput): AcceptOutcome {
  const { reply, nowS } = input;
  const leaf = decodeCredential(reply.credential);
  if (!leaf.ok) return { kind: 'reject', error: leaf.error };
  const { claims } = leaf.value;
  if (claims.subject_agent_id !== input.expectedAgentId) {
    return {
      kind: 'reject',
      error: {
        tag: 'accept_identity_mismatch',
        expected: input.expectedAgentId,
        actual: claims.subject_agent_id,
      },
    };
  }
  if (!bytesEqual(claims.subject_pubkey, input.expectedPublicKey)) {
    return { kind: 'reject', error: { tag: 'accept_key_mismatch' } };
  }
  if (claims.not_after !== reply.not_after) {
    return {
      kind: 'reject',
      error: { tag: 'accept_not_after_mismatch', reply: reply.not_after, claims: claims.not_after },
    };
  }
  if (input.bundle !== null) {
    const verified = verifyIdentity({
      leaf: reply.credential,
      chain: reply.chain,
      bundle: input.bundle,
      nowS,
      expectedAgentId: input.expectedAgentId,
    });
    if (!verified.ok) return { kind: 'reject', error: verified.error };
  } else {
    if (reply.chain !== undefined) {
      const chain = decodeChain(reply.chain);
      if (!chain.ok) return { kind: 'reject', error: chain.error };
    }
    if (nowS > claims.not_after) {
      return { kind: 'reject', error: { tag: 'accept_expired', not_after: claims.not_after } };
    }
  }
  const held = input.held;
  if (held !== null && claimsEqual(held.claims, claims) && held.chain === reply.chain) {
    return { kind: 'unchanged' };
  }
  return { kind: 'swap', claims, credentialId: credentialId(leaf.value.envelope) };
}
