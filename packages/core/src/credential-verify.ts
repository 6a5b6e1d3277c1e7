import {
  CRED_VERSION,
  decodeCredential,
  type Claims,
  type CredentialDecodeError,
  type DecodedCredential,
} from './credential.js';
import { verifyEd25519 } from './ed25519.js';

/**
 * Verification of one credential against one key or against a trust bundle (identity.md;
 * reference §2.5). The signature is always checked over the carried claim bytes.
 */

/** The verifier's view of a trust bundle: issuer id → 32-byte public key. */
export type VerifierBundle = {
  /** Trust domain the bundle is scoped to; `''` means unscoped (any domain accepted). */
  readonly trustDomain: string;
  readonly keys: ReadonlyMap<string, Uint8Array>;
};

/** Why a single credential failed verification. */
export type CredentialVerifyError =
  | { readonly tag: 'credential_wrong_trust_domain' }
  | { readonly tag: 'credential_unknown_issuer' }
  | { readonly tag: 'credential_unsupported_version'; readonly version: number }
  | { readonly tag: 'credential_bad_signature' }
  | { readonly tag: 'credential_not_yet_valid' }
  | { readonly tag: 'credential_expired' };

/** Result of a verification: the verified claims or a typed error. */
export type VerifyResult<E> =
  { readonly ok: true; readonly value: Claims } | { readonly ok: false; readonly error: E };

/**
 * Verifies a decoded credential under one public key at `nowS` (Unix seconds).
 * Order: `cred_version > 1` → unsupported (lower versions, 0 included, are accepted as in the
 * reference); Ed25519 over the carried claim bytes → bad signature; then the window:
 * `now < not_before` → not yet valid, `now > not_after` → expired (both bounds valid, no skew).
 */
export function verifyAgainstKey(
  decoded: DecodedCredential,
  publicKey: Uint8Array,
  nowS: number,
): VerifyResult<CredentialVerifyError> {
  const { claims } = decoded;
  if (claims.cred_version > CRED_VERSION) {
    return {
      ok: false,
      error: { tag: 'credential_unsupported_version', version: claims.cred_version },
    };
  }
  if (!verifyEd25519(publicKey, decoded.claimBytes, decoded.signature)) {
    return { ok: false, error: { tag: 'credential_bad_signature' } };
  }
  if (nowS < claims.not_before) return { ok: false, error: { tag: 'credential_not_yet_valid' } };
  if (nowS > claims.not_after) return { ok: false, error: { tag: 'credential_expired' } };
  return { ok: true, value: claims };
}

/**
 * Verifies a decoded credential against a trust bundle at `nowS`.
 * Order: a scoped bundle whose domain differs from the claims' → wrong trust domain (before the
 * issuer lookup and any crypto); `issuer_id` not in the bundle → unknown issuer; then
 * {@link verifyAgainstKey} with that issuer's key. The key is chosen by `issuer_id`, never by
 * trying every key. Any issuer in the bundle may vouch for any subject.
 */
export function verifyWithBundle(
  decoded: DecodedCredential,
  bundle: VerifierBundle,
  nowS: number,
): VerifyResult<CredentialVerifyError> {
  const { claims } = decoded;
  if (bundle.trustDomain !== '' && claims.trust_domain !== bundle.trustDomain) {
    return { ok: false, error: { tag: 'credential_wrong_trust_domain' } };
  }
  const key = bundle.keys.get(claims.issuer_id);
  if (key === undefined) return { ok: false, error: { tag: 'credential_unknown_issuer' } };
  return verifyAgainstKey(decoded, key, nowS);
}

/** Decodes an `x-memory-cred` value and verifies it against the bundle (no chain). */
export function verifyCredentialHeader(
  header: string,
  bundle: VerifierBundle,
  nowS: number,
): VerifyResult<CredentialDecodeError | CredentialVerifyError> {
  const decoded = decodeCredential(header);
  if (!decoded.ok) return decoded;
  return verifyWithBundle(decoded.value, bundle, nowS);
}
