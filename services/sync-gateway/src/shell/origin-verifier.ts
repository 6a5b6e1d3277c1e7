import {
  createChainMemo,
  isEd25519Point,
  parseEd25519Header,
  verifyEd25519,
  type VerifierBundle,
} from '@fedplane/core';
import { signedHeaderValues } from '@fedplane/messaging';
import type { MsgHdrs } from '@nats-io/nats-core';
import type { OriginSignature } from '../core/receive-decision.js';

/**
 * Verifies the signature of a replicated record or a quorum ack (bus.md signed-message headers)
 * at stream speed: the credential + chain verification against the live bundle is memoised (core
 * `createChainMemo`: once per second and bundle for each credential, the same answers as
 * verifying every time, so an intermediate's expiry counts too), so each message costs one
 * Ed25519 verify of its body. The same checks as core `attestMessage` for credential-signed
 * messages; issuer-signed messages are not accepted here (no node identity).
 */

/** A signature whose credential checked out; only its Ed25519 verify is left. */
export type PendingSignature = {
  readonly kind: 'pending';
  readonly signer: string;
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
};

/** A verifier with a bounded credential cache. */
export type OriginVerifier = {
  verify(headers: MsgHdrs | undefined, body: Uint8Array, nowS: number): OriginSignature;
  /**
   * Everything but the Ed25519 verify of the body (headers, credential and chain against the live
   * bundle): a final answer, or what is left to verify (e.g. in a batch, off the event loop).
   */
  check(
    headers: MsgHdrs | undefined,
    body: Uint8Array,
    nowS: number,
  ): Exclude<OriginSignature, { kind: 'verified' }> | PendingSignature;
};

/** The outcome of a pending signature once its Ed25519 verify is known. */
export function settleSignature(pending: PendingSignature, valid: boolean): OriginSignature {
  return valid
    ? { kind: 'verified', signer: pending.signer }
    : { kind: 'invalid', reason: 'bad_signature' };
}

/** Creates a verifier reading the live bundle through `bundle()`. */
export function createOriginVerifier(
  bundle: () => VerifierBundle | undefined,
  maxEntries = 1_024,
): OriginVerifier {
  const verifyChain = createChainMemo({ maxEntries });
  const check: OriginVerifier['check'] = (h, _body, nowS) => {
    const values = signedHeaderValues(h);
    if (
      values.signature === undefined &&
      values.credential === undefined &&
      values.chain === undefined &&
      values.issuer === undefined
    ) {
      return { kind: 'unsigned' };
    }
    if (values.issuer !== undefined) return { kind: 'invalid', reason: 'issuer_signed' };
    if (values.credential === undefined) return { kind: 'invalid', reason: 'credential_missing' };
    const sig = parseEd25519Header(values.signature);
    if (!sig.ok) return { kind: 'invalid', reason: 'signature_malformed' };
    const live = bundle();
    if (live === undefined) return { kind: 'invalid', reason: 'no_trust_bundle' };
    const verified = verifyChain({
      leaf: values.credential,
      chain: values.chain,
      bundle: live,
      nowS,
    });
    if (!verified.ok) return { kind: 'invalid', reason: verified.error.tag };
    // Cached by core for the keys seen recently.
    if (!isEd25519Point(verified.value.subject_pubkey)) {
      return { kind: 'invalid', reason: 'credential_bad_subject_key' };
    }
    return {
      kind: 'pending',
      signer: verified.value.subject_agent_id,
      publicKey: verified.value.subject_pubkey,
      signature: sig.value,
    };
  };
  return {
    check,
    verify(h, body, nowS) {
      const checked = check(h, body, nowS);
      if (checked.kind !== 'pending') return checked;
      return settleSignature(checked, verifyEd25519(checked.publicKey, body, checked.signature));
    },
  };
}
