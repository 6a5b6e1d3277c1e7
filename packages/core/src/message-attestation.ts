import { AttestLevel } from './audit-chain.js';
import { verifyChain, type ChainVerifyError } from './chain.js';
import type { VerifierBundle } from './credential-verify.js';
import type { Claims } from './credential.js';
import { isEd25519Point } from './ed25519-point.js';
import { verifyEd25519 } from './ed25519.js';
import { parseEvent, type EventParse } from './schemas/event.js';
import { parseEd25519Header } from './signature-header.js';

/**
 * The attest level of a signed bus message (bus.md "Headers on every event", audit.md step 1):
 * the signature over the CARRIED body bytes, by the subject key of a credential (+ chain) that
 * verifies against the trust bundle (retired keys included), or by an issuer key named by
 * `Fed-Issuer`. Pure: the caller passes the header values, the exact body bytes, the bundle and
 * the clock.
 */

/** The signing header values of one message (`undefined` when the header is absent). */
export type SignedHeaders = {
  /** `Fed-Signature`: `ed25519=<base64>`. */
  readonly signature?: string | undefined;
  /** `Fed-Credential`: `v1=<base64>`. */
  readonly credential?: string | undefined;
  /** `Fed-Credential-Chain`: `v1=<base64>`. */
  readonly chain?: string | undefined;
  /** `Fed-Issuer`: an issuer id from the trust bundle. */
  readonly issuer?: string | undefined;
};

/** Why a message got `invalid_signature`. Credential and chain failures keep core's tags. */
export type AttestationReason =
  | 'signature_missing'
  | 'signature_unknown_algorithm'
  | 'signature_malformed'
  | 'bad_signature'
  | 'credential_missing'
  | 'ambiguous_signer'
  | 'unknown_issuer'
  | 'credential_bad_subject_key'
  | 'actor_mismatch'
  | ChainVerifyError['tag'];

/** The outcome for one message; `signature` is the carried 64 bytes whenever they parsed. */
export type MessageAttestation =
  | {
      readonly attest_level: typeof AttestLevel.credential_signed;
      /** The credential's subject agent id. */
      readonly signer: string;
      /** The `v1=` credential as carried. */
      readonly credential: string;
      readonly chain?: string;
      readonly claims: Claims;
      readonly signature: Uint8Array;
    }
  | {
      readonly attest_level: typeof AttestLevel.issuer_signed;
      readonly issuer: string;
      readonly signature: Uint8Array;
    }
  | { readonly attest_level: typeof AttestLevel.unsigned }
  | {
      readonly attest_level: typeof AttestLevel.invalid_signature;
      readonly reason: AttestationReason;
      readonly signature?: Uint8Array;
      readonly credential?: string;
      readonly issuer?: string;
    };

/** Input of {@link attestMessage}. */
export type AttestationInput = {
  readonly headers: SignedHeaders;
  /** The exact body bytes as carried. */
  readonly body: Uint8Array;
  readonly bundle: VerifierBundle;
  /** Unix seconds. */
  readonly nowS: number;
  /** When set (an event's `actor`), the credential subject must equal it. */
  readonly expectedActor?: string;
};

type Invalid = Extract<MessageAttestation, { attest_level: 'invalid_signature' }>;

function invalid(
  reason: AttestationReason,
  extra: Omit<Invalid, 'attest_level' | 'reason'> = {},
): Invalid {
  return { attest_level: AttestLevel.invalid_signature, reason, ...extra };
}

const SIGNATURE_REASON = {
  x_memory_sig_missing: 'signature_missing',
  x_memory_sig_unknown_algorithm: 'signature_unknown_algorithm',
  x_memory_sig_malformed: 'signature_malformed',
} as const;

/**
 * Decides the attest level of one message.
 * Inputs: header values, carried body bytes, bundle, `nowS`, optional expected actor.
 * Order: no `Fed-Signature`, `Fed-Credential`, `Fed-Credential-Chain` nor `Fed-Issuer` →
 * `unsigned`. Otherwise `invalid_signature` with the first failing check: credential and issuer
 * both present → `ambiguous_signer`; neither (signature or chain alone) → `credential_missing`;
 * signature header absent / not `ed25519=` / not 64 bytes of base64 → `signature_*`.
 * Issuer path: issuer id not in the bundle → `unknown_issuer`; signature → `bad_signature`; else
 * `issuer_signed` (the actor is not checked: issuer events are the issuer's own).
 * Credential path: credential + chain against the bundle → the chain/credential tag
 * (`credential_expired`, `credential_unknown_issuer`, `chain_*`, …); subject key not a curve point
 * → `credential_bad_subject_key`; signature over the body by the subject key → `bad_signature`;
 * `expectedActor` ≠ credential subject → `actor_mismatch`; else `credential_signed`.
 * Never throws.
 */
export function attestMessage(input: AttestationInput): MessageAttestation {
  const { headers, body, bundle, nowS } = input;
  const { credential, chain, issuer } = headers;
  if (
    headers.signature === undefined &&
    credential === undefined &&
    chain === undefined &&
    issuer === undefined
  ) {
    return { attest_level: AttestLevel.unsigned };
  }
  const known = {
    ...(credential === undefined ? {} : { credential }),
    ...(issuer === undefined ? {} : { issuer }),
  };
  if (credential !== undefined && issuer !== undefined) return invalid('ambiguous_signer', known);
  if (credential === undefined && issuer === undefined) return invalid('credential_missing');
  const parsed = parseEd25519Header(headers.signature);
  if (!parsed.ok) return invalid(SIGNATURE_REASON[parsed.error.tag], known);
  const signature = parsed.value;
  const withSig = { ...known, signature };

  if (issuer !== undefined) {
    const key = bundle.keys.get(issuer);
    if (key === undefined) return invalid('unknown_issuer', withSig);
    if (!verifyEd25519(key, body, signature)) return invalid('bad_signature', withSig);
    return { attest_level: AttestLevel.issuer_signed, issuer, signature };
  }
  // Here `credential` is defined (the both/neither cases returned above).
  const leaf = credential ?? '';
  const verified = verifyChain({ leaf, chain, bundle, nowS });
  if (!verified.ok) return invalid(verified.error.tag, withSig);
  const claims = verified.value;
  if (!isEd25519Point(claims.subject_pubkey)) {
    return invalid('credential_bad_subject_key', withSig);
  }
  if (!verifyEd25519(claims.subject_pubkey, body, signature)) {
    return invalid('bad_signature', withSig);
  }
  if (input.expectedActor !== undefined && input.expectedActor !== claims.subject_agent_id) {
    return invalid('actor_mismatch', withSig);
  }
  return {
    attest_level: AttestLevel.credential_signed,
    signer: claims.subject_agent_id,
    credential: leaf,
    ...(chain === undefined ? {} : { chain }),
    claims,
    signature,
  };
}

/** Result of {@link attestEvent}: the envelope parse and the attestation, side by side. */
export type EventAttestation = {
  readonly event: EventParse;
  readonly attestation: MessageAttestation;
};

/**
 * {@link attestMessage} for an event on `fed.evt.>`: parses the carried body as an event
 * envelope and, when it parses, requires the credential subject to equal its `actor`. A body that
 * does not parse is still attested (without the actor check) so the caller can record the
 * evidence; `event` tells it why the body was refused. Never throws.
 */
export function attestEvent(input: Omit<AttestationInput, 'expectedActor'>): EventAttestation {
  const event = parseEvent(input.body);
  const attestation = attestMessage(
    event.ok ? { ...input, expectedActor: event.value.actor } : input,
  );
  return { event, attestation };
}
