import { bytesEqual, fromBase64, toBase64 } from './bytes.js';
import { decodeCbor, type CborItem } from './cbor.js';
import { cborMap, encodeCbor } from './cbor-encode.js';
import { sha256Hex } from './digest.js';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES } from './ed25519.js';

/**
 * The credential wire format (identity.md; reference §2.1–2.3): CBOR claims in plain string key
 * order, a CBOR envelope `{"claims": bytes, "sig": bytes}`, and the `v1=` + base64 header / file
 * form. Decoding is strict and never throws; the carried claim bytes are kept verbatim because
 * the signature is checked over them, never over a re-encoding.
 */

/** The credential format version this code issues and accepts (`CRED_VERSION`). */
export const CRED_VERSION = 1;
/** Prefix of the header and file form. */
export const CREDENTIAL_PREFIX = 'v1=';
/** Header carrying the credential (reference `CREDENTIAL_HEADER`). */
export const CREDENTIAL_HEADER = 'x-memory-cred';

/**
 * The seven signed claims. Integers are JS numbers: decoding refuses values outside the safe
 * integer range (±(2^53 − 1)), a strict subset of the reference's i64 (see {@link decodeClaims}).
 */
export type Claims = {
  readonly cred_version: number;
  readonly issuer_id: string;
  readonly not_after: number;
  readonly not_before: number;
  readonly subject_agent_id: string;
  readonly subject_pubkey: Uint8Array;
  readonly trust_domain: string;
};

/** A decoded credential: claims plus the exact bytes they came from. */
export type DecodedCredential = {
  readonly claims: Claims;
  /** The carried claim bytes (what the signature covers). */
  readonly claimBytes: Uint8Array;
  /** The 64-byte Ed25519 signature. */
  readonly signature: Uint8Array;
  /** The envelope bytes (what the header carries, and what the credential id hashes). */
  readonly envelope: Uint8Array;
};

/** Why a credential could not be decoded. */
export type CredentialDecodeError =
  | { readonly tag: 'credential_malformed' }
  | { readonly tag: 'credential_unsupported_version'; readonly version: number };

/** Result of the credential decoders. */
export type CredentialDecodeResult<T = DecodedCredential> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: CredentialDecodeError };

const MALFORMED = { ok: false, error: { tag: 'credential_malformed' } } as const;
const U16_MAX = 0xffff;
const VERSION_PREFIX_RE = /^v([0-9]+)=/;

/**
 * Canonical claim bytes: a CBOR map of the seven text keys in plain string order
 * (cred_version, issuer_id, not_after, not_before, subject_agent_id, subject_pubkey,
 * trust_domain), shortest-form integers, definite lengths. Throws `RangeError` on a non-integer
 * or out-of-range number or a pubkey that is not 32 bytes (programmer errors).
 */
export function encodeClaims(claims: Claims): Uint8Array {
  if (claims.subject_pubkey.byteLength !== ED25519_PUBLIC_KEY_BYTES) {
    throw new RangeError('subject_pubkey must be 32 bytes');
  }
  if (
    !Number.isInteger(claims.cred_version) ||
    claims.cred_version < 0 ||
    claims.cred_version > U16_MAX
  ) {
    throw new RangeError('cred_version must be a u16');
  }
  return encodeCbor(
    cborMap([
      ['cred_version', claims.cred_version],
      ['issuer_id', claims.issuer_id],
      ['not_after', claims.not_after],
      ['not_before', claims.not_before],
      ['subject_agent_id', claims.subject_agent_id],
      ['subject_pubkey', claims.subject_pubkey],
      ['trust_domain', claims.trust_domain],
    ]),
  );
}

/** Envelope bytes: CBOR map `{"claims": claimBytes, "sig": signature}` in that order. */
export function encodeEnvelope(claimBytes: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES)
    throw new RangeError('signature must be 64 bytes');
  return encodeCbor(
    cborMap([
      ['claims', claimBytes],
      ['sig', signature],
    ]),
  );
}

/** Header / file form of an envelope: `v1=` + standard padded base64. */
export function formatCredentialHeader(envelope: Uint8Array): string {
  return CREDENTIAL_PREFIX + toBase64(envelope);
}

/** Credential id: lowercase hex SHA-256 of the envelope bytes. */
export function credentialId(envelope: Uint8Array): string {
  return sha256Hex(envelope);
}

/**
 * Decodes an `x-memory-cred` header value.
 * Input: the raw value (not trimmed). Output: the decoded credential, or
 * `credential_unsupported_version {version}` when the value starts `v<digits>=` with digits that
 * are a u16 other than the exact prefix `v1=` (`v9=AAAA` → 9; the rest is not examined), else
 * `credential_malformed` for anything that is not `v1=` + strict base64 of a valid envelope.
 * Never throws.
 */
export function decodeCredential(header: string): CredentialDecodeResult {
  if (!header.startsWith(CREDENTIAL_PREFIX)) {
    const match = VERSION_PREFIX_RE.exec(header);
    const digits = match?.[1]?.replace(/^0+(?=[0-9])/, '');
    if (digits !== undefined && digits.length <= 5 && Number(digits) <= U16_MAX) {
      return {
        ok: false,
        error: { tag: 'credential_unsupported_version', version: Number(digits) },
      };
    }
    return MALFORMED;
  }
  const envelope = fromBase64(header.slice(CREDENTIAL_PREFIX.length));
  if (envelope === undefined) return MALFORMED;
  return decodeEnvelope(envelope);
}

/** Decodes the credential file form: the header value with surrounding whitespace trimmed. */
export function decodeCredentialFile(text: string): CredentialDecodeResult {
  return decodeCredential(text.trim());
}

/**
 * Decodes envelope bytes.
 * Rules: one CBOR map with exactly the two text keys `claims` and `sig` (any order, no
 * duplicates), both byte strings, the signature 64 bytes, the claims valid per
 * {@link decodeClaims}; no trailing bytes. Anything else is `credential_malformed`. Never throws.
 */
export function decodeEnvelope(envelope: Uint8Array): CredentialDecodeResult {
  const decoded = decodeCbor(envelope);
  if (!decoded.ok || decoded.value.kind !== 'map' || decoded.value.entries.length !== 2)
    return MALFORMED;
  let claimBytes: Uint8Array | undefined;
  let signature: Uint8Array | undefined;
  for (const { key, value } of decoded.value.entries) {
    if (key.kind !== 'text' || value.kind !== 'bytes') return MALFORMED;
    if (key.value === 'claims') claimBytes = value.value.slice();
    else if (key.value === 'sig') signature = value.value.slice();
    else return MALFORMED;
  }
  if (claimBytes === undefined || signature?.byteLength !== ED25519_SIGNATURE_BYTES)
    return MALFORMED;
  const claims = decodeClaims(claimBytes);
  if (!claims.ok) return claims;
  return {
    ok: true,
    value: { claims: claims.value, claimBytes, signature, envelope: envelope.slice() },
  };
}

/**
 * Decodes claim bytes.
 * Rules (reference §2.2, plus our strictness): one CBOR map, every key text, no duplicate keys,
 * no trailing bytes; the seven claims present with the right types — `cred_version` an unsigned
 * integer ≤ 65535, `not_before` / `not_after` integers, `subject_pubkey` 32 bytes, the rest text.
 * Unknown extra keys (with any well-formed value) are ignored. Integers outside the JS
 * safe-integer range are `credential_malformed` even though the reference accepts all of i64:
 * no issuer mints them (2^53 s is ~285 million years) and refusing keeps claims exact.
 * Never throws.
 */
export function decodeClaims(claimBytes: Uint8Array): CredentialDecodeResult<Claims> {
  const decoded = decodeCbor(claimBytes);
  if (!decoded.ok || decoded.value.kind !== 'map') return MALFORMED;
  const fields = new Map<string, CborItem>();
  for (const { key, value } of decoded.value.entries) {
    if (key.kind !== 'text') return MALFORMED;
    fields.set(key.value, value);
  }
  const credVersion = safeInteger(fields.get('cred_version'), true);
  const notAfter = safeInteger(fields.get('not_after'), false);
  const notBefore = safeInteger(fields.get('not_before'), false);
  const issuerId = text(fields.get('issuer_id'));
  const subjectAgentId = text(fields.get('subject_agent_id'));
  const trustDomain = text(fields.get('trust_domain'));
  const pubkey = fields.get('subject_pubkey');
  if (
    credVersion === undefined ||
    credVersion > U16_MAX ||
    notAfter === undefined ||
    notBefore === undefined ||
    issuerId === undefined ||
    subjectAgentId === undefined ||
    trustDomain === undefined ||
    pubkey?.kind !== 'bytes' ||
    pubkey.value.byteLength !== ED25519_PUBLIC_KEY_BYTES
  ) {
    return MALFORMED;
  }
  return {
    ok: true,
    value: {
      cred_version: credVersion,
      issuer_id: issuerId,
      not_after: notAfter,
      not_before: notBefore,
      subject_agent_id: subjectAgentId,
      subject_pubkey: pubkey.value.slice(),
      trust_domain: trustDomain,
    },
  };
}

function safeInteger(item: CborItem | undefined, unsignedOnly: boolean): number | undefined {
  if (item === undefined) return undefined;
  if (item.kind !== 'uint' && (unsignedOnly || item.kind !== 'nint')) return undefined;
  const value = item.value;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
    return undefined;
  return Number(value);
}

function text(item: CborItem | undefined): string | undefined {
  return item?.kind === 'text' ? item.value : undefined;
}

/** Field-wise equality of two claim sets (pubkey compared by bytes). */
export function claimsEqual(a: Claims, b: Claims): boolean {
  return (
    a.cred_version === b.cred_version &&
    a.issuer_id === b.issuer_id &&
    a.not_after === b.not_after &&
    a.not_before === b.not_before &&
    a.subject_agent_id === b.subject_agent_id &&
    a.trust_domain === b.trust_domain &&
    bytesEqual(a.subject_pubkey, b.subject_pubkey)
  );
}
