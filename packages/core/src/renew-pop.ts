import { fromBase64, utf8 } from './bytes.js';
import { ED25519_PUBLIC_KEY_BYTES, signEd25519, verifyEd25519 } from './ed25519.js';
import {
  formatEd25519Header,
  parseEd25519Header,
  type SignatureHeaderError,
} from './signature-header.js';

/**
 * Renewal proof of possession (identity.md, `fed.issuer.renew`): `pop` is `ed25519=<b64>` by the
 * current credential's subject key over the UTF-8 bytes
 * `fedplane-renew-v1\n<credential>\n<new_public_key or "">\n<nonce>\n<ts>`.
 */

/** Domain-separation tag, the first line of the signed message. */
export const RENEW_POP_CONTEXT = 'fedplane-renew-v1';

/** The fields the proof covers. */
export type RenewPopInput = {
  /** The current credential as its `v1=` header value. */
  readonly credential: string;
  /** Standard padded base64 of the new 32-byte key, or `''` when not rotating. */
  readonly newPublicKey: string;
  readonly nonce: string;
  /** Unix seconds, written in decimal. */
  readonly ts: number;
};

/** Why a proof of possession was refused. */
export type RenewPopError =
  | SignatureHeaderError
  | { readonly tag: 'renew_nonce_invalid' }
  | { readonly tag: 'renew_ts_invalid' }
  | { readonly tag: 'renew_new_key_invalid' }
  | { readonly tag: 'renew_pop_bad_signature' };

const NONCE_RE = /^[A-Za-z0-9_-]{16,128}$/;

/** True when `nonce` is 16–128 characters of `[A-Za-z0-9_-]`. */
export function isValidRenewNonce(nonce: string): boolean {
  return NONCE_RE.test(nonce);
}

/**
 * The exact bytes the proof signs. Total over its inputs (the fields are validated by
 * {@link verifyRenewPop} and by the request schema; none of the valid forms contains `\n`).
 */
export function renewPopMessage(input: RenewPopInput): Uint8Array {
  return utf8(
    `${RENEW_POP_CONTEXT}\n${input.credential}\n${input.newPublicKey}\n${input.nonce}\n${String(input.ts)}`,
  );
}

/** Signs the proof with the current subject seed; returns the `ed25519=<b64>` value. */
export function signRenewPop(subjectSeed: Uint8Array, input: RenewPopInput): string {
  return formatEd25519Header(signEd25519(subjectSeed, renewPopMessage(input)));
}

/**
 * Checks a proof of possession against the current credential's subject key.
 * Order: nonce shape → `renew_nonce_invalid`; `ts` not a non-negative safe integer →
 * `renew_ts_invalid`; `newPublicKey` neither `''` nor strict base64 of 32 bytes →
 * `renew_new_key_invalid`; the `pop` value parsed per {@link parseEd25519Header} (its
 * `x_memory_sig_*` tags); Ed25519 over {@link renewPopMessage} → `renew_pop_bad_signature`.
 * Freshness of `ts`, nonce replay and whether the credential is current are the caller's checks.
 * Never throws.
 */
export function verifyRenewPop(
  publicKey: Uint8Array,
  input: RenewPopInput,
  pop: string | undefined | null,
): { readonly ok: true } | { readonly ok: false; readonly error: RenewPopError } {
  if (!isValidRenewNonce(input.nonce)) return { ok: false, error: { tag: 'renew_nonce_invalid' } };
  if (!Number.isSafeInteger(input.ts) || input.ts < 0)
    return { ok: false, error: { tag: 'renew_ts_invalid' } };
  if (
    input.newPublicKey !== '' &&
    fromBase64(input.newPublicKey)?.byteLength !== ED25519_PUBLIC_KEY_BYTES
  ) {
    return { ok: false, error: { tag: 'renew_new_key_invalid' } };
  }
  const signature = parseEd25519Header(pop);
  if (!signature.ok) return signature;
  if (!verifyEd25519(publicKey, renewPopMessage(input), signature.value)) {
    return { ok: false, error: { tag: 'renew_pop_bad_signature' } };
  }
  return { ok: true };
}
