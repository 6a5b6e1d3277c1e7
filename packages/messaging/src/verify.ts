import type { VerifierBundle } from '@fedplane/core';
import type { MsgHdrs } from '@nats-io/nats-core';
import {
  attestEvent,
  attestMessage,
  type EventAttestation,
  type MessageAttestation,
  type SignedHeaders,
} from '@fedplane/core';
import { FedHeader } from './headers.js';

/**
 * Verify-on-receive: the NATS side of core's `attestMessage` / `attestEvent`. Reads the signing
 * headers off a message (absent stays absent; an empty value is present and fails parsing) and
 * hands them, with the carried body bytes, to the pure decision.
 */

/** The signing header values of `h` (`undefined` when `h` or a header is absent). */
export function signedHeaderValues(h: MsgHdrs | undefined): SignedHeaders {
  const value = (name: string): string | undefined =>
    h?.has(name) === true ? h.get(name) : undefined;
  return {
    signature: value(FedHeader.Signature),
    credential: value(FedHeader.Credential),
    chain: value(FedHeader.CredentialChain),
    issuer: value(FedHeader.Issuer),
  };
}

/** Input of {@link verifySignedMessage}. */
export type SignedMessageInput = {
  /** The message headers (`msg.headers`), or `undefined` when it has none. */
  readonly headers: MsgHdrs | undefined;
  /** The carried body bytes (`msg.data`), never a re-encoding. */
  readonly body: Uint8Array;
  readonly bundle: VerifierBundle;
  /** Unix seconds. */
  readonly nowS: number;
  /** When set, the credential subject must equal it (`actor_mismatch`). */
  readonly actor?: string;
};

/**
 * The attest level of one received message: `credential_signed` (with `signer`, `credential`,
 * `signature`), `issuer_signed`, `unsigned`, or `invalid_signature` with the reason tag. See
 * core `attestMessage` for the exact order of checks. Never throws.
 */
export function verifySignedMessage(input: SignedMessageInput): MessageAttestation {
  return attestMessage({
    headers: signedHeaderValues(input.headers),
    body: input.body,
    bundle: input.bundle,
    nowS: input.nowS,
    ...(input.actor === undefined ? {} : { expectedActor: input.actor }),
  });
}

/**
 * For a message on `fed.evt.>`: the parsed envelope and its attestation, with the event's
 * `actor` required to equal the credential subject when the body parses. Never throws.
 */
export function verifyEventMessage(input: Omit<SignedMessageInput, 'actor'>): EventAttestation {
  return attestEvent({
    headers: signedHeaderValues(input.headers),
    body: input.body,
    bundle: input.bundle,
    nowS: input.nowS,
  });
}
