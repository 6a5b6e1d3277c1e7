import {
  CRED_VERSION,
  ErrorCode,
  credentialId,
  decodeChain,
  decodeCredential,
  fromBase64,
  verifyDecodedChain,
  verifyRenewPop,
  type Claims,
  type DecodedCredential,
  type VerifierBundle,
} from '@fedplane/core';
import { deny, type Denial } from './registration.js';

/**
 * The stateless half of `fed.issuer.renew` (identity.md): is the presented credential ours and
 * valid now, is the request fresh, and does the caller hold the credential's key? The stateful
 * half (nonce replay, registration, lineage) is `decideRenew` and the shell.
 */

/** Largest distance between the request's `ts` and the issuer's clock, in seconds. */
export const RENEW_TS_WINDOW_S = 60;

/** The renew request fields this check reads (the wire schema has validated their shapes). */
export type RenewFields = {
  readonly credential: string;
  readonly chain?: string | undefined;
  readonly new_public_key?: string | undefined;
  readonly nonce: string;
  readonly ts: number;
  readonly pop: string;
};

/** A request that passed every stateless check. */
export type CheckedRenewal = {
  readonly kind: 'checked';
  readonly claims: Claims;
  /** Id of the presented credential (hex SHA-256 of its envelope). */
  readonly presentedId: string;
  /** The subject key of the new credential: `new_public_key` or the current one. */
  readonly nextPublicKey: Uint8Array;
  readonly keyRotated: boolean;
};

function decodePresented(
  fields: RenewFields,
):
  | { readonly ok: true; leaf: DecodedCredential; intermediates: readonly DecodedCredential[] }
  | Denial {
  const leaf = decodeCredential(fields.credential);
  if (!leaf.ok)
    return deny(ErrorCode.UNAUTHENTICATED, leaf.error.tag, 'credential does not decode');
  if (fields.chain === undefined) return { ok: true, leaf: leaf.value, intermediates: [] };
  const chain = decodeChain(fields.chain);
  if (!chain.ok) return deny(ErrorCode.UNAUTHENTICATED, chain.error.tag, 'chain does not decode');
  return { ok: true, leaf: leaf.value, intermediates: chain.value };
}

/** Options of {@link checkRenewRequest}. */
export type RenewCheckOptions = {
  /**
   * True when this process signed exactly the credential with this id (the id is the SHA-256 of
   * the whole envelope, so a match means the very bytes it signed): its signature is then not
   * checked again; trust domain, issuer key still in the bundle, version and window still are.
   * Used only for a leaf presented without a chain.
   */
  readonly signedHere?: (credentialId: string) => boolean;
};

/** A leaf this process signed: every check of `verifyWithBundle` but the signature. */
function checkSignedHere(
  leaf: DecodedCredential,
  bundle: VerifierBundle,
  nowS: number,
): Denial | null {
  const { claims } = leaf;
  const refuse = (tag: string): Denial =>
    deny(ErrorCode.UNAUTHENTICATED, tag, 'credential does not verify');
  if (bundle.trustDomain !== '' && claims.trust_domain !== bundle.trustDomain) {
    return refuse('credential_wrong_trust_domain');
  }
  if (!bundle.keys.has(claims.issuer_id)) return refuse('credential_unknown_issuer');
  if (claims.cred_version > CRED_VERSION) return refuse('credential_unsupported_version');
  if (nowS < claims.not_before) return refuse('credential_not_yet_valid');
  if (nowS > claims.not_after) return refuse('credential_expired');
  return null;
}

/**
 * Checks a renew request at `nowS` against the issuer's bundle.
 * Order: `|ts − now| > 60` → `UNAUTHENTICATED renew_ts_out_of_window`; credential or chain does
 * not decode → `UNAUTHENTICATED credential_malformed` (or `credential_unsupported_version`);
 * chain verification against the bundle (trust domain, issuer, signature, window, delegation) →
 * `UNAUTHENTICATED <core tag>` (an expired credential must re-attest); proof of possession by
 * the subject key → `UNAUTHENTICATED <renew_pop_* / x_memory_sig_* tag>` (a subject key that is
 * not a curve point cannot produce a valid proof: it is not decompressed again here, it was
 * checked when it was signed); `new_public_key` not 32 bytes of base64 →
 * `UNAUTHENTICATED renew_new_key_invalid` (whether it is a curve point is checked once, by core's
 * `issueCredential`, when the new credential is signed). Output: the verified claims, the
 * presented id and the key the new credential will carry. Pure; never throws.
 */
export function checkRenewRequest(
  fields: RenewFields,
  bundle: VerifierBundle,
  nowS: number,
  options: RenewCheckOptions = {},
): CheckedRenewal | Denial {
  if (!Number.isSafeInteger(fields.ts) || Math.abs(fields.ts - nowS) > RENEW_TS_WINDOW_S) {
    return deny(
      ErrorCode.UNAUTHENTICATED,
      'renew_ts_out_of_window',
      `ts is more than ${String(RENEW_TS_WINDOW_S)} s from the issuer's clock`,
    );
  }
  const decoded = decodePresented(fields);
  if (!('ok' in decoded)) return decoded;
  const presentedId = credentialId(decoded.leaf.envelope);
  let claims: Claims;
  if (decoded.intermediates.length === 0 && options.signedHere?.(presentedId) === true) {
    const refused = checkSignedHere(decoded.leaf, bundle, nowS);
    if (refused !== null) return refused;
    claims = decoded.leaf.claims;
  } else {
    const verified = verifyDecodedChain({
      leaf: decoded.leaf,
      intermediates: decoded.intermediates,
      bundle,
      nowS,
    });
    if (!verified.ok) {
      return deny(ErrorCode.UNAUTHENTICATED, verified.error.tag, 'credential does not verify');
    }
    claims = verified.value;
  }
  const newKeyText = fields.new_public_key ?? '';
  const pop = verifyRenewPop(
    claims.subject_pubkey,
    { credential: fields.credential, newPublicKey: newKeyText, nonce: fields.nonce, ts: fields.ts },
    fields.pop,
  );
  if (!pop.ok) return deny(ErrorCode.UNAUTHENTICATED, pop.error.tag, 'proof of possession failed');
  // verifyRenewPop refused a non-empty new key that is not 32 bytes of strict base64.
  const rotated = newKeyText === '' ? undefined : fromBase64(newKeyText);
  return {
    kind: 'checked',
    claims,
    presentedId,
    nextPublicKey: rotated ?? claims.subject_pubkey,
    keyRotated: rotated !== undefined,
  };
}
