import { CREDENTIAL_PREFIX, decodeCredential } from '@fedplane/core';

/** Prefix of a `signer` column naming an issuer key: `issuer:<issuer_id>`. */
export const ISSUER_SIGNER_PREFIX = 'issuer:';

/** Resolves a stored `signer` column to the Ed25519 public key its signature is checked with. */
export type SignerKeyResolver = (signer: string | null) => Uint8Array | null;

/** Most distinct signers a resolver remembers before it starts over (bounds memory). */
const SIGNER_CACHE_LIMIT = 1024;

/**
 * The public key of one `signer` column value. Pure.
 * Input: the column (`v1=<credential>`, `issuer:<issuer_id>`, or null) and the issuer keys
 * by issuer id. Output: the credential's `subject_pubkey` (the credential is decoded, not
 * re-verified: its chain was checked when the row was appended), the named issuer's key, or null
 * for null, an undecodable credential, an unknown issuer, or any other text. Never throws.
 */
export function signerPublicKey(
  signer: string | null,
  issuerKeys: ReadonlyMap<string, Uint8Array>,
): Uint8Array | null {
  if (signer === null) return null;
  if (signer.startsWith(CREDENTIAL_PREFIX)) {
    const decoded = decodeCredential(signer);
    return decoded.ok ? decoded.value.claims.subject_pubkey : null;
  }
  if (signer.startsWith(ISSUER_SIGNER_PREFIX)) {
    return issuerKeys.get(signer.slice(ISSUER_SIGNER_PREFIX.length)) ?? null;
  }
  return null;
}

/**
 * A {@link signerPublicKey} with a bounded memo: a chain repeats the same few signers, so each
 * credential is decoded once per {@link SIGNER_CACHE_LIMIT} distinct signers.
 */
export function createSignerKeyResolver(
  issuerKeys: ReadonlyMap<string, Uint8Array> = new Map(),
  limit: number = SIGNER_CACHE_LIMIT,
): SignerKeyResolver {
  const cache = new Map<string, Uint8Array | null>();
  return (signer) => {
    if (signer === null) return null;
    const cached = cache.get(signer);
    if (cached !== undefined) return cached;
    const key = signerPublicKey(signer, issuerKeys);
    if (cache.size >= limit) cache.clear();
    cache.set(signer, key);
    return key;
  };
}
