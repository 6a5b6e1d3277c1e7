import {
  RESERVED_AGENT_IDS,
  checkAgentId,
  checkNonce,
  getSignedBytes,
  pushSignedBytes,
  verifyIdentity,
  verifyMessageSignature,
  type ChainVerifier,
  type IdentityVerifyError,
  type MessageSignatureTag,
  type NonceTag,
  type VerifierBundle,
} from '@fedplane/core';

/**
 * Authentication of one `/api/v1/sync/*` request under the live posture (sync.md, Write path
 * step 1 and Read path; reference §2.10, §3.5). Pure: the caller passes the header values, the
 * exact signed material, the posture, the trust bundle, the clock and whether the nonce was seen.
 *
 * The key that checks `x-memory-sig` is the subject key of the `x-memory-cred` (+ chain)
 * credential, verified against the live bundle and bound to `x-peer-id`. There are no legacy
 * enrolled keys. Differences from the reference, both failing closed:
 * - a credential that is presented and fails is a hard failure with its own tag (reference §8
 *   #28 fell through to the legacy key path);
 * - the replay gate is time-bounded by `sender_wall_clock` (core `checkNonce`, fixing #1061).
 */

/** Counter label of `ai_memory_federation_inbound_cred_total{presence}`. */
export type CredentialPresence = 'signed' | 'unsigned';
/** Counter label of `ai_memory_federation_cred_verify_total{result}`; `skipped` is not counted. */
export type CredentialResult = 'ok' | 'fail' | 'skipped';

/** Why a request is not authenticated: the reference tags, core's credential tags, fedplane's. */
export type AuthTag =
  | MessageSignatureTag
  | NonceTag
  | IdentityVerifyError['tag']
  | 'x_memory_sig_no_enrolled_key'
  | 'peer_not_enrolled';

/** The first failing check, with the credential error's details when there are any. */
export type AuthProblem = {
  readonly tag: AuthTag;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
};

/** The authentication header values as received (`undefined` when absent). */
export type AuthHeaders = {
  /** `x-peer-id`. */
  readonly peerId?: string | undefined;
  /** `x-memory-cred`. */
  readonly credential?: string | undefined;
  /** `x-memory-cred-chain`. */
  readonly chain?: string | undefined;
  /** `x-memory-sig`. */
  readonly signature?: string | undefined;
  /** `x-memory-nonce`. */
  readonly nonce?: string | undefined;
};

/**
 * What the signature covers: a push body as sent (`body ‖ 0x00 ‖ nonce` when a nonce is sent), a
 * GET's path and raw query, or a bus request (`Fed-Signature` over the body alone; its nonce, when
 * given, is only the replay key, see `signatureReplayToken`).
 */
export type SignedTarget =
  | {
      readonly kind: 'push' | 'message';
      /** The exact body bytes received. */
      readonly body: Uint8Array;
      /** `sender_wall_clock` in Unix ms (see `senderWallClockMs`); `null` when not sent. */
      readonly senderWallClockMs: number | null;
    }
  | {
      readonly kind: 'get';
      /** The request path as received (no query). */
      readonly path: string;
      /** The query string exactly as received, without `?`. */
      readonly rawQuery: string;
    };

/** Input of {@link decideRequestAuth}. */
export type RequestAuthInput = {
  readonly headers: AuthHeaders;
  readonly target: SignedTarget;
  /** The live posture: true = strict (`require_sig`). */
  readonly requireSig: boolean;
  /** The live trust bundle; `undefined` (or empty) before the first one is known. */
  readonly bundle: VerifierBundle | undefined;
  /** Receiver's clock, Unix ms. */
  readonly nowMs: number;
  /**
   * True when the nonce is already remembered for this peer (the shell looks it up under
   * {@link normalizePeerId} of `x-peer-id`, `''` when absent).
   */
  readonly nonceSeen: boolean;
  /** False only when nonces are not required (reference `REQUIRE_NONCE=0`); default true. */
  readonly requireNonce?: boolean;
  /** Accepted `sender_wall_clock` distance (default core `NONCE_WINDOW_MS`). */
  readonly windowMs?: number;
  /** Verifies the credential chain (default core `verifyChain`; the shell passes a memo of it). */
  readonly verifyChain?: ChainVerifier;
};

/** Facts every decision carries (for metrics and logs). */
type DecisionFacts = {
  /** `x-peer-id` when it is a valid, unreserved agent id; otherwise `undefined`. */
  readonly peerId: string | undefined;
  readonly presence: CredentialPresence;
  readonly credential: CredentialResult;
  /** A nonce to remember for this peer (the signature over it verified and it was not seen). */
  readonly rememberNonce: string | undefined;
};

/** Result of {@link decideRequestAuth}. */
export type RequestAuthDecision =
  | (DecisionFacts & {
      readonly outcome: 'accept';
      /** True when credential, binding, signature and the replay gate all passed. */
      readonly verified: boolean;
      /** Why it is not verified (accepted anyway under the permissive posture). */
      readonly problem: AuthProblem | undefined;
      /** False when the replay gate had no wall clock to bound it (or did not run). */
      readonly timeBounded: boolean;
    })
  | (DecisionFacts & { readonly outcome: 'refuse'; readonly problem: AuthProblem });

/**
 * `x-peer-id` as the gateway uses it: the value when it is a valid agent id and not a reserved
 * one, else `undefined` (reference §3.5: an invalid value is treated as absent).
 */
export function normalizePeerId(value: string | undefined): string | undefined {
  if (value === undefined || !checkAgentId(value).ok || RESERVED_AGENT_IDS.has(value)) {
    return undefined;
  }
  return value;
}

function credentialProblem(error: IdentityVerifyError): AuthProblem {
  const details: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'tag') continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      details[key] = value;
    }
  }
  return Object.keys(details).length === 0 ? { tag: error.tag } : { tag: error.tag, details };
}

type KeyResolution = {
  readonly key: Uint8Array | undefined;
  readonly result: CredentialResult;
  readonly problem: AuthProblem | undefined;
};

/** The sender key from the credential (+ chain), verified and bound to the peer id. */
function resolveKey(input: RequestAuthInput, peerId: string | undefined): KeyResolution {
  const { credential, chain } = input.headers;
  const { bundle } = input;
  if (credential === undefined || bundle === undefined || bundle.keys.size === 0) {
    return { key: undefined, result: 'skipped', problem: undefined };
  }
  const verified = verifyIdentity(
    {
      leaf: credential,
      chain: chain ?? null,
      bundle,
      nowS: Math.floor(input.nowMs / 1000),
      expectedAgentId: peerId ?? '',
    },
    input.verifyChain,
  );
  if (!verified.ok) {
    return { key: undefined, result: 'fail', problem: credentialProblem(verified.error) };
  }
  return { key: verified.value.subject_pubkey, result: 'ok', problem: undefined };
}

function signedBytes(target: SignedTarget, nonce: string | undefined): Uint8Array {
  switch (target.kind) {
    case 'push':
      return pushSignedBytes(target.body, nonce);
    case 'message':
      return target.body;
    case 'get':
      return getSignedBytes(target.path, target.rawQuery, nonce);
  }
}

type Checks = {
  readonly problem: AuthProblem | undefined;
  readonly rememberNonce: string | undefined;
  readonly timeBounded: boolean;
};

/** Signature then replay gate, with a resolved key (reference §3.5 matrix, row 1 and 3). */
function checkSignedRequest(input: RequestAuthInput, key: Uint8Array): Checks {
  const { headers, target } = input;
  const signature = verifyMessageSignature(
    key,
    signedBytes(target, headers.nonce),
    headers.signature,
  );
  if (!signature.ok) {
    return { problem: { tag: signature.error.tag }, rememberNonce: undefined, timeBounded: false };
  }
  const nonce = headers.nonce;
  const fresh = nonce !== undefined && nonce !== '' && !input.nonceSeen;
  const gate = checkNonce({
    nonce,
    senderWallClockMs: target.kind === 'get' ? null : target.senderWallClockMs,
    nowMs: input.nowMs,
    seen: input.nonceSeen,
    ...(input.windowMs === undefined ? {} : { windowMs: input.windowMs }),
    ...(input.requireNonce === undefined ? {} : { requireNonce: input.requireNonce }),
  });
  const rememberNonce = fresh ? nonce : undefined;
  if (!gate.ok) return { problem: { tag: gate.error.tag }, rememberNonce, timeBounded: false };
  return { problem: undefined, rememberNonce, timeBounded: gate.timeBounded };
}

/**
 * Decides one request. Order:
 * 1. `x-peer-id` normalised ({@link normalizePeerId}); presence = `x-memory-cred` sent.
 * 2. With a credential and a non-empty bundle: chain + credential against the bundle at `now`,
 *    leaf subject must equal the peer id (`credential_identity_mismatch`), subject key a curve
 *    point. A failure is the problem, with its tag (`credential_expired`, `chain_*`, …).
 * 3. No key resolved: `x_memory_sig_no_enrolled_key` when a signature was sent, else
 *    `peer_not_enrolled`.
 * 4. Key resolved: `x-memory-sig` over the signed bytes (nonce-bound when `x-memory-nonce` is
 *    sent) → `x_memory_sig_missing|unknown_algorithm|malformed|bad_signature`; then the replay
 *    gate → `x_memory_nonce_missing|x_memory_nonce_replay|x_memory_clock_skew`.
 * Strict posture: any problem refuses. Permissive: accepted with `verified: false` and the
 * problem (for counting and logging). A nonce is remembered only once its signature verified.
 * Never throws.
 */
export function decideRequestAuth(input: RequestAuthInput): RequestAuthDecision {
  const peerId = normalizePeerId(input.headers.peerId);
  const presence: CredentialPresence =
    input.headers.credential === undefined ? 'unsigned' : 'signed';
  const resolved = resolveKey(input, peerId);
  let checks: Checks;
  if (resolved.problem !== undefined) {
    checks = { problem: resolved.problem, rememberNonce: undefined, timeBounded: false };
  } else if (resolved.key === undefined) {
    const tag =
      input.headers.signature === undefined ? 'peer_not_enrolled' : 'x_memory_sig_no_enrolled_key';
    checks = { problem: { tag }, rememberNonce: undefined, timeBounded: false };
  } else {
    checks = checkSignedRequest(input, resolved.key);
  }
  const facts: DecisionFacts = {
    peerId,
    presence,
    credential: resolved.result,
    rememberNonce: checks.rememberNonce,
  };
  if (checks.problem !== undefined && input.requireSig) {
    return { ...facts, outcome: 'refuse', problem: checks.problem };
  }
  return {
    ...facts,
    outcome: 'accept',
    verified: checks.problem === undefined,
    problem: checks.problem,
    timeBounded: checks.timeBounded,
  };
}
