import {
  AttestLevel,
  attestEvent,
  isEd25519Point,
  parseEd25519Header,
  parseEvent,
  toHex,
  verifyChain,
  type Claims,
  type EventAttestation,
  type SignedHeaders,
  type VerifierBundle,
} from '@fedplane/core';

/**
 * The attestation of one event, split so the one expensive step that differs per event — the
 * Ed25519 check of the event signature — can run off the main thread.
 *
 * Core `attestEvent` is the authority. {@link planAttestation} evaluates the same predicates in
 * the same order for the two "everything holds" paths (issuer key; credential + chain), using a
 * memo of the pure, per-credential steps (`verifyChain` for the exact leaf, chain, bundle and
 * second; `isEd25519Point` for the exact key bytes), and hands back the signature to check and
 * the result that holds when it verifies. Every other case, and a signature that does not verify,
 * is decided by `attestEvent` itself, so the outcome is always exactly what `attestEvent` returns
 * (the unit tests check this equivalence over random inputs).
 */

/** Inputs of one attestation: the carried headers and body, the bundle and the clock. */
export type AttestationInput = {
  readonly headers: SignedHeaders;
  /** The exact body bytes as carried. */
  readonly body: Uint8Array;
  readonly bundle: VerifierBundle;
  /** Unix seconds (the auditor uses the stream's receive time of the message). */
  readonly nowS: number;
};

type ChainOutcome = ReturnType<typeof verifyChain>;

/**
 * A bounded cache of pure results. It never changes an outcome, only avoids recomputing it; it
 * is cleared when the bundle object changes or when it is full.
 */
export type AttestationMemo = {
  bundle: VerifierBundle | undefined;
  readonly chains: Map<string, ChainOutcome>;
  /**
   * Chainless credentials that verified against `bundle` (leaf header → claims): valid at any
   * time inside their own window, so one verification serves every later second of it.
   */
  readonly leaves: Map<string, Claims>;
  readonly points: Map<string, boolean>;
  readonly limit: number;
};

/** A fresh memo holding at most `limit` entries per table (default 20 000). */
export function createAttestationMemo(limit = 20_000): AttestationMemo {
  return { bundle: undefined, chains: new Map(), leaves: new Map(), points: new Map(), limit };
}

/** What the shell does next for one event. */
export type AttestationPlan =
  | { readonly kind: 'decided'; readonly attestation: EventAttestation }
  | {
      readonly kind: 'check_signature';
      /** Ed25519 public key the signature must verify under. */
      readonly publicKey: Uint8Array;
      /** The carried 64-byte signature over the body. */
      readonly signature: Uint8Array;
      /** The attestation when it verifies. */
      readonly ifValid: EventAttestation;
    };

function remember<V>(memo: AttestationMemo, table: Map<string, V>, key: string, value: V): V {
  if (table.size >= memo.limit) table.clear();
  table.set(key, value);
  return value;
}

function chainOf(memo: AttestationMemo, input: AttestationInput, leaf: string): ChainOutcome {
  const chain = input.headers.chain;
  if (chain === undefined) {
    // A chainless leaf's outcome depends on the time only through its own window.
    const claims = memo.leaves.get(leaf);
    if (claims !== undefined && input.nowS >= claims.not_before && input.nowS <= claims.not_after) {
      return { ok: true, value: claims };
    }
  }
  const key = `${input.nowS}\n${leaf}\n${chain ?? ''}\n${chain === undefined ? 0 : 1}`;
  const hit = memo.chains.get(key);
  if (hit !== undefined) return hit;
  const outcome = verifyChain({ leaf, chain, bundle: input.bundle, nowS: input.nowS });
  if (chain === undefined && outcome.ok) remember(memo, memo.leaves, leaf, outcome.value);
  return remember(memo, memo.chains, key, outcome);
}

function isPoint(memo: AttestationMemo, publicKey: Uint8Array): boolean {
  const key = toHex(publicKey);
  const hit = memo.points.get(key);
  if (hit !== undefined) return hit;
  return remember(memo, memo.points, key, isEd25519Point(publicKey));
}

/**
 * Plans the attestation of one event.
 * Input: headers, carried body, bundle, `nowS`, and the memo (updated in place).
 * Output: `check_signature` when every check `attestEvent` makes before and after the event
 * signature passes (issuer path: issuer known, signature parses; credential path: signature
 * parses, chain verifies, subject key is a curve point, and — when the body is an event — its
 * `actor` is the credential subject); otherwise `decided` with `attestEvent`'s own result.
 * Never throws.
 */
export function planAttestation(input: AttestationInput, memo: AttestationMemo): AttestationPlan {
  if (memo.bundle !== input.bundle) {
    memo.bundle = input.bundle;
    memo.chains.clear();
    memo.leaves.clear();
  }
  const { headers } = input;
  const decided = (): AttestationPlan => ({ kind: 'decided', attestation: attestEvent(input) });
  const signature = parseEd25519Header(headers.signature);
  if (!signature.ok) return decided();
  const event = parseEvent(input.body);
  if (headers.issuer !== undefined && headers.credential === undefined) {
    const publicKey = input.bundle.keys.get(headers.issuer);
    if (publicKey === undefined) return decided();
    return {
      kind: 'check_signature',
      publicKey,
      signature: signature.value,
      ifValid: {
        event,
        attestation: {
          attest_level: AttestLevel.issuer_signed,
          issuer: headers.issuer,
          signature: signature.value,
        },
      },
    };
  }
  if (headers.credential === undefined || headers.issuer !== undefined) return decided();
  const leaf = headers.credential;
  const verified = chainOf(memo, input, leaf);
  if (!verified.ok) return decided();
  const claims = verified.value;
  if (!isPoint(memo, claims.subject_pubkey)) return decided();
  if (event.ok && event.value.actor !== claims.subject_agent_id) return decided();
  return {
    kind: 'check_signature',
    publicKey: claims.subject_pubkey,
    signature: signature.value,
    ifValid: {
      event,
      attestation: {
        attest_level: AttestLevel.credential_signed,
        signer: claims.subject_agent_id,
        credential: leaf,
        ...(headers.chain === undefined ? {} : { chain: headers.chain }),
        claims,
        signature: signature.value,
      },
    },
  };
}

/**
 * Completes a plan: `ifValid` when the signature verified, else `attestEvent`'s result (which
 * then reports the bad signature exactly as core words it). Never throws.
 */
export function settleAttestation(
  plan: AttestationPlan,
  input: AttestationInput,
  signatureValid: boolean,
): EventAttestation {
  if (plan.kind === 'decided') return plan.attestation;
  return signatureValid ? plan.ifValid : attestEvent(input);
}
