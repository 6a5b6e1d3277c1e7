import { fromBase64, toBase64 } from './bytes.js';
import { decodeCbor } from './cbor.js';
import { encodeCbor } from './cbor-encode.js';
import {
  CREDENTIAL_PREFIX,
  decodeCredential,
  decodeEnvelope,
  type Claims,
  type CredentialDecodeError,
  type DecodedCredential,
} from './credential.js';
import {
  verifyAgainstKey,
  verifyWithBundle,
  type CredentialVerifyError,
  type VerifierBundle,
  type VerifyResult,
} from './credential-verify.js';
import { isEd25519Point } from './ed25519-point.js';

/**
 * Intermediate chains (identity.md; reference §2.4–2.5): the `x-memory-cred-chain` value, chain
 * verification with depth limit, name/domain binding and delegation confinement, and the
 * identity binding of the leaf to the claimed sender.
 */

/** Header carrying the intermediates (reference `CHAIN_HEADER`). */
export const CHAIN_HEADER = 'x-memory-cred-chain';
/** Default maximum chain depth (intermediates + 1), reference `DEFAULT_MAX_CHAIN_DEPTH`. */
export const DEFAULT_MAX_CHAIN_DEPTH = 2;
/** Suffix marking an intermediate CA id; stripped to get its delegated namespace. */
export const CA_MARKER_SUFFIX = '/ca';

/** A credential failure inside a chain, with that credential's own tag (reference `Link(e)`). */
export type ChainLinkError = (
  CredentialVerifyError | { readonly tag: 'credential_bad_subject_key' }
) & {
  readonly link: true;
};

/** Why a chain (or a leaf with its chain) failed verification. */
export type ChainVerifyError =
  | CredentialDecodeError
  | CredentialVerifyError
  | ChainLinkError
  | { readonly tag: 'chain_too_deep'; readonly depth: number; readonly max: number }
  | {
      readonly tag: 'chain_name_mismatch';
      readonly issuer_id: string;
      readonly parent_subject: string;
    }
  | {
      readonly tag: 'chain_domain_mismatch';
      readonly trust_domain: string;
      readonly parent_trust_domain: string;
    }
  | {
      readonly tag: 'chain_delegation_out_of_namespace';
      readonly subject: string;
      readonly delegated_namespace: string;
    };

/** {@link ChainVerifyError} plus the identity-binding failure of {@link verifyIdentity}. */
export type IdentityVerifyError =
  | ChainVerifyError
  | {
      readonly tag: 'credential_identity_mismatch';
      readonly expected: string;
      readonly actual: string;
    }
  | { readonly tag: 'credential_bad_subject_key' };

/** `v1=` + base64 of a CBOR array of envelope byte strings, anchor first, leaf excluded. */
export function encodeChain(envelopes: readonly Uint8Array[]): string {
  return CREDENTIAL_PREFIX + toBase64(encodeCbor(envelopes));
}

/**
 * Decodes an `x-memory-cred-chain` value into its credentials, anchor first.
 * Rules: exact `v1=` prefix (no unsupported-version branch), strict base64, one CBOR array whose
 * every element is a byte string holding a valid envelope. Anything else is
 * `credential_malformed`. An empty array decodes to no intermediates. Never throws.
 */
export function decodeChain(
  value: string,
):
  | { readonly ok: true; readonly value: readonly DecodedCredential[] }
  | { readonly ok: false; readonly error: { readonly tag: 'credential_malformed' } } {
  const malformed = { ok: false, error: { tag: 'credential_malformed' } } as const;
  if (!value.startsWith(CREDENTIAL_PREFIX)) return malformed;
  const bytes = fromBase64(value.slice(CREDENTIAL_PREFIX.length));
  if (bytes === undefined) return malformed;
  const decoded = decodeCbor(bytes);
  if (!decoded.ok || decoded.value.kind !== 'array') return malformed;
  const out: DecodedCredential[] = [];
  for (const item of decoded.value.items) {
    if (item.kind !== 'bytes') return malformed;
    const credential = decodeEnvelope(item.value);
    if (!credential.ok) return malformed;
    out.push(credential.value);
  }
  return { ok: true, value: out };
}

/** Decodes the chain file form: the header value with surrounding whitespace trimmed. */
export function decodeChainFile(text: string): ReturnType<typeof decodeChain> {
  return decodeChain(text.trim());
}

/** The namespace a parent may delegate: its subject id with one trailing `/ca` removed. */
export function delegatedNamespace(parentSubject: string): string {
  return parentSubject.endsWith(CA_MARKER_SUFFIX)
    ? parentSubject.slice(0, -CA_MARKER_SUFFIX.length)
    : parentSubject;
}

/**
 * True when `subject` lies in `namespace`: equal to it or below it at a `/` boundary
 * (`region/nyc` covers `region/nyc/x`, not `region/nyceast/x`). The empty namespace covers all.
 */
export function isWithinNamespace(subject: string, namespace: string): boolean {
  return namespace === '' || subject === namespace || subject.startsWith(namespace + '/');
}

/** Inputs of {@link verifyDecodedChain}. */
export type DecodedChainInput = {
  readonly leaf: DecodedCredential;
  /** Intermediates, anchor first (empty for a root-signed leaf). */
  readonly intermediates: readonly DecodedCredential[];
  readonly bundle: VerifierBundle;
  readonly nowS: number;
  readonly maxDepth?: number;
};

function link(error: CredentialVerifyError | { readonly tag: 'credential_bad_subject_key' }): {
  readonly ok: false;
  readonly error: ChainLinkError;
} {
  return { ok: false, error: { ...error, link: true } };
}

/**
 * Verifies a decoded leaf with its intermediates at `nowS`.
 * Order: depth (intermediates + 1) > `maxDepth` (default 2) → `chain_too_deep {depth, max}`
 * before any crypto; no intermediates → plain {@link verifyWithBundle} of the leaf (errors
 * without `link`); else the anchor against the bundle, then for each next credential (the
 * remaining intermediates, then the leaf) against its parent: issuer ≠ parent subject →
 * `chain_name_mismatch`; domain ≠ parent domain → `chain_domain_mismatch`; parent subject key
 * not a curve point → `credential_bad_subject_key`; signature / window under the parent key;
 * subject outside the parent's delegated namespace → `chain_delegation_out_of_namespace`.
 * Credential failures inside a chain carry `link: true`. Returns the leaf claims.
 */
export function verifyDecodedChain(input: DecodedChainInput): VerifyResult<ChainVerifyError> {
  const { leaf, intermediates, bundle, nowS } = input;
  const maxDepth = input.maxDepth ?? DEFAULT_MAX_CHAIN_DEPTH;
  const depth = intermediates.length + 1;
  if (depth > maxDepth)
    return { ok: false, error: { tag: 'chain_too_deep', depth, max: maxDepth } };
  const [anchor, ...rest] = intermediates;
  if (anchor === undefined) return verifyWithBundle(leaf, bundle, nowS);
  const anchored = verifyWithBundle(anchor, bundle, nowS);
  if (!anchored.ok) return link(anchored.error);
  let parent: Claims = anchored.value;
  for (const child of [...rest, leaf]) {
    const claims = child.claims;
    if (claims.issuer_id !== parent.subject_agent_id) {
      return {
        ok: false,
        error: {
          tag: 'chain_name_mismatch',
          issuer_id: claims.issuer_id,
          parent_subject: parent.subject_agent_id,
        },
      };
    }
    if (claims.trust_domain !== parent.trust_domain) {
      return {
        ok: false,
        error: {
          tag: 'chain_domain_mismatch',
          trust_domain: claims.trust_domain,
          parent_trust_domain: parent.trust_domain,
        },
      };
    }
    if (!isEd25519Point(parent.subject_pubkey)) return link({ tag: 'credential_bad_subject_key' });
    const verified = verifyAgainstKey(child, parent.subject_pubkey, nowS);
    if (!verified.ok) return link(verified.error);
    const namespace = delegatedNamespace(parent.subject_agent_id);
    if (!isWithinNamespace(claims.subject_agent_id, namespace)) {
      return {
        ok: false,
        error: {
          tag: 'chain_delegation_out_of_namespace',
          subject: claims.subject_agent_id,
          delegated_namespace: namespace,
        },
      };
    }
    parent = claims;
  }
  return { ok: true, value: leaf.claims };
}

/** Inputs of {@link verifyChain}: header values as received. */
export type ChainInput = {
  /** The `x-memory-cred` value. */
  readonly leaf: string;
  /** The `x-memory-cred-chain` value, or `undefined` / `null` when the header is absent. */
  readonly chain?: string | null | undefined;
  readonly bundle: VerifierBundle;
  readonly nowS: number;
  readonly maxDepth?: number;
};

/**
 * Parses the leaf and chain header values (leaf first; any parse failure is returned as is,
 * without `link`), then runs {@link verifyDecodedChain}. Returns the leaf claims.
 */
export function verifyChain(input: ChainInput): VerifyResult<ChainVerifyError> {
  const leaf = decodeCredential(input.leaf);
  if (!leaf.ok) return leaf;
  let intermediates: readonly DecodedCredential[] = [];
  if (input.chain !== undefined && input.chain !== null) {
    const chain = decodeChain(input.chain);
    if (!chain.ok) return chain;
    intermediates = chain.value;
  }
  return verifyDecodedChain({
    leaf: leaf.value,
    intermediates,
    bundle: input.bundle,
    nowS: input.nowS,
    ...(input.maxDepth === undefined ? {} : { maxDepth: input.maxDepth }),
  });
}

/** A function with {@link verifyChain}'s contract (e.g. a memo of it, chain-memo.ts). */
export type ChainVerifier = (input: ChainInput) => VerifyResult<ChainVerifyError>;

/**
 * {@link verifyChain} (or `verify`, a function with its contract) plus the identity binding the
 * reference leaves to its caller (§3.5): the leaf's `subject_agent_id` must equal
 * `expectedAgentId` (the claimed sender), else `credential_identity_mismatch {expected, actual}`
 * — a fedplane tag, not a reference one — and its subject key must be a curve point
 * (`credential_bad_subject_key`, no `link`). Only after this succeeds may the leaf's subject key
 * be used to check the sender's signature.
 */
export function verifyIdentity(
  input: ChainInput & { readonly expectedAgentId: string },
  verify: ChainVerifier = verifyChain,
): VerifyResult<IdentityVerifyError> {
  const verified = verify(input);
  if (!verified.ok) return verified;
  if (verified.value.subject_agent_id !== input.expectedAgentId) {
    return {
      ok: false,
      error: {
        tag: 'credential_identity_mismatch',
        expected: input.expectedAgentId,
        actual: verified.value.subject_agent_id,
      },
    };
  }
  if (!isEd25519Point(verified.value.subject_pubkey)) {
    return { ok: false, error: { tag: 'credential_bad_subject_key' } };
  }
  return verified;
}
