import { randomBytes } from 'node:crypto';
import {
  ErrorCode,
  acceptIssued,
  decodeCredential,
  signRenewPop,
  toBase64,
  type AttestRequest,
  type RenewRequest,
} from '@fedplane/core';
import type { IssuerClient, IssuerResult } from '@fedplane/runtime';
import { classifyIssuerFailure, reasonTag } from '../core/event-data.js';
import type { AgentState } from './agent-state.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import type { JoinTokenSource, KeyPair, TrustView } from './ports.js';

/**
 * One attempt in `issuer` mode: attest with the join token, or renew by proof of possession of
 * the current key (staging a new key first when rotation is on). The reply goes through core
 * `acceptIssued`, so a refused, unverifiable or foreign credential never replaces the held one.
 */

/** What an issuer attempt needs besides the state. */
export type IssuerAttemptDeps = {
  readonly issuer: IssuerClient;
  readonly joinToken: JoinTokenSource;
  readonly trust: TrustView;
  /** A fresh renewal nonce (default: 24 random bytes, base64url). */
  readonly nonce?: () => string;
};

/** A fresh nonce of 32 characters from 192 random bits. */
export function randomNonce(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * When to judge a credential the issuer has just signed: the local time, or its `not_before` when
 * that is later. The issuer backdates `not_before` by 30 s; a node whose clock runs further behind
 * would otherwise refuse every fresh credential as not yet valid and lapse (chaos: clock skew
 * −45 s). Expiry, signature, identity and key are still checked against the local clock.
 */
function judgedAtS(credential: string, localNowS: number): number {
  const decoded = decodeCredential(credential);
  return decoded.ok ? Math.max(localNowS, decoded.value.claims.not_before) : localNowS;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Calls the issuer; a rejection (the port should not reject) becomes `UNAVAILABLE`. */
async function callIssuer(call: () => Promise<IssuerResult>): Promise<IssuerResult> {
  try {
    return await call();
  } catch (err) {
    return { ok: false, error: { code: ErrorCode.UNAVAILABLE, message: errorText(err) } };
  }
}

type Prepared =
  | {
      readonly ok: true;
      readonly result: IssuerResult;
      readonly expected: KeyPair;
      readonly rotated: boolean;
    }
  | { readonly ok: false; readonly outcome: AttemptOutcome };

async function attest(state: AgentState, deps: IssuerAttemptDeps): Promise<Prepared> {
  let token: string | undefined;
  try {
    token = await deps.joinToken();
  } catch (err) {
    const failure = {
      code: ErrorCode.UNAUTHENTICATED,
      reason: 'join_token_unreadable',
      message: errorText(err),
      result: 'refused',
    } as const;
    return { ok: false, outcome: state.fail('attest', failure) };
  }
  if (token === undefined) {
    const failure = {
      code: ErrorCode.UNAUTHENTICATED,
      reason: 'no_join_token',
      message: 'no join token configured (FED_JOIN_TOKEN / FED_JOIN_TOKEN_FILE)',
      result: 'refused',
    } as const;
    return { ok: false, outcome: state.fail('attest', failure) };
  }
  const request: AttestRequest = {
    node_id: state.deps.nodeId,
    public_key: toBase64(state.key.publicKey),
    attestation: { type: 'join_token', token },
  };
  const result = await callIssuer(() => deps.issuer.attest(request));
  return { ok: true, result, expected: state.key, rotated: false };
}

async function renew(state: AgentState, deps: IssuerAttemptDeps): Promise<Prepared> {
  const held = state.held;
  if (held === undefined) throw new Error('renew without a credential'); // the plan forbids it
  // A rotated key that is not yet promoted on disk must not be replaced by a new staged one.
  let expected = state.key;
  let rotated = false;
  if (state.deps.settings.rotateKey && !state.keyPromotePending) {
    try {
      state.staged ??= await state.deps.keys.stageNext();
      expected = state.staged;
      rotated = true;
    } catch (err) {
      const failure = {
        code: ErrorCode.INTERNAL,
        reason: 'key_stage_failed',
        message: errorText(err),
        result: 'error',
      } as const;
      return { ok: false, outcome: state.fail('renew', failure) };
    }
  }
  const ts = Math.floor(state.nowS());
  const nonce = (deps.nonce ?? randomNonce)();
  const newPublicKey = rotated ? toBase64(expected.publicKey) : '';
  const pop = signRenewPop(state.key.seed, { credential: held.leaf, newPublicKey, nonce, ts });
  const request: RenewRequest = {
    credential: held.leaf,
    ...(held.chain === undefined ? {} : { chain: held.chain }),
    ...(rotated ? { new_public_key: newPublicKey } : {}),
    nonce,
    ts,
    pop,
  };
  const result = await callIssuer(() => deps.issuer.renew(request));
  return { ok: true, result, expected, rotated };
}

/**
 * Runs one attempt of `kind` and carries out the outcome on `state`: swap (files written, key
 * promoted, `credential.renewed`), unchanged, or failure (`credential.renewal_failed`, the
 * re-attest flag set when the issuer refused the held credential itself and cleared after an
 * attestation).
 */
export async function issuerAttempt(
  state: AgentState,
  deps: IssuerAttemptDeps,
  kind: 'attest' | 'renew',
  cause?: string,
): Promise<AttemptOutcome> {
  const prepared = kind === 'attest' ? await attest(state, deps) : await renew(state, deps);
  if (kind === 'attest') state.reattest = false;
  if (!prepared.ok) return prepared.outcome;
  const { result, expected, rotated } = prepared;
  const options = cause === undefined ? {} : { cause };
  if (!result.ok) {
    const { code, message, reason } = result.error;
    const cls = classifyIssuerFailure(code, reason);
    if (cls.reattest) state.reattest = true;
    return state.fail(
      kind,
      { code, reason: reasonTag(code, reason), message, result: cls.result },
      options,
    );
  }
  const held = state.held;
  const outcome = acceptIssued({
    held: held === undefined ? null : { claims: held.claims, chain: held.chain },
    reply: result.value,
    expectedAgentId: state.deps.nodeId,
    expectedPublicKey: expected.publicKey,
    bundle: deps.trust.current() ?? null,
    nowS: judgedAtS(result.value.credential, Math.floor(state.nowS())),
  });
  switch (outcome.kind) {
    case 'reject':
      return state.fail(
        kind,
        {
          code: ErrorCode.UNAVAILABLE,
          reason: outcome.error.tag,
          message: 'the issued credential was refused',
          result: 'rejected',
        },
        options,
      );
    case 'unchanged':
      return state.unchanged({ backoff: kind === 'renew' });
    case 'swap':
      return state.swapIn(
        {
          leaf: result.value.credential,
          ...(result.value.chain === undefined ? {} : { chain: result.value.chain }),
          claims: outcome.claims,
          credentialId: outcome.credentialId,
        },
        { rotated, persist: true, ...options },
      );
    default: {
      const never: never = outcome;
      return never;
    }
  }
}
