import { AppError, ErrorCode, formatEd25519Header } from '@fedplane/core';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers, type MsgHdrs } from '@nats-io/nats-core';
import { buildEvent, type EventInput } from './event.js';
import { FedHeader } from './headers.js';
import { isIssuerSigner, type Signer } from './signer.js';
import { eventSubject } from './subjects.js';

/**
 * Signed publishing (bus.md, Headers on every event): `Fed-Signature` over the exact body bytes,
 * `Fed-Credential` (+ `Fed-Credential-Chain`) for a credential holder or `Fed-Issuer` for the
 * issuer's own key, and `Nats-Msg-Id` so that a retry inside the stream's duplicate window is
 * stored once. Publishes are awaited JetStream publishes: the returned ack means stored.
 */

/**
 * The signing headers for `body`: `Fed-Signature`, then `Fed-Credential` (+ chain) or
 * `Fed-Issuer`, and `Nats-Msg-Id` when `msgId` is given. Also for core-NATS messages (quorum
 * acks) that must be signed.
 */
export function signedHeaders(signer: Signer, body: Uint8Array, msgId?: string): MsgHdrs {
  const h = headers();
  if (msgId !== undefined) h.set(FedHeader.MsgId, msgId);
  h.set(FedHeader.Signature, formatEd25519Header(signer.sign(body)));
  if (isIssuerSigner(signer)) {
    h.set(FedHeader.Issuer, signer.issuerId);
    return h;
  }
  h.set(FedHeader.Credential, signer.credential());
  const chain = signer.chain();
  if (chain !== undefined) h.set(FedHeader.CredentialChain, chain);
  return h;
}

/** Options shared by the publish functions. */
export type PublishOptions = {
  /** How long to wait for the stream's ack (client default when absent). */
  readonly timeoutMs?: number;
};

/** What {@link publishEvent} stored. */
export type PublishedEvent = {
  readonly subject: string;
  /** The exact bytes published (and signed). */
  readonly body: Uint8Array;
  /** The stream ack; `duplicate` is true when the id was already stored inside the window. */
  readonly ack: PubAck;
};

/**
 * Builds, signs and publishes one event on `fed.evt.<area>.<name>[.<token(subject)>]` with
 * `Nats-Msg-Id` = the event id. A credential signer must be the event's `actor`
 * (`AppError(BAD_REQUEST)` with reason `actor_mismatch` otherwise: verifiers would refuse it).
 * Bad fields throw as {@link buildEvent} and the subject builders do; a stream error rejects
 * with the client's error.
 */
export async function publishEvent(
  js: JetStreamClient,
  signer: Signer,
  event: EventInput,
  options: PublishOptions = {},
): Promise<PublishedEvent> {
  if (!isIssuerSigner(signer) && signer.agentId !== event.actor) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'event actor is not the signer', {
      details: { reason: 'actor_mismatch', actor: event.actor, signer: signer.agentId },
    });
  }
  const subject = eventSubject(event.type, event.subject);
  const body = buildEvent(event);
  const ack = await publishSigned(js, { subject, body, signer, msgId: event.id, ...options });
  return { subject, body, ack };
}

/** Input of {@link publishSigned}. */
export type SignedPublish = PublishOptions & {
  /** A subject from `subjects.ts`. */
  readonly subject: string;
  /** The exact bytes to sign and publish. */
  readonly body: Uint8Array;
  readonly signer: Signer;
  /** Deduplication id (`Nats-Msg-Id`), stable across retries of the same message. */
  readonly msgId: string;
  /**
   * Further headers (e.g. `Fed-Ack-Inbox` on a replicated record). One named like a signing
   * header or `Nats-Msg-Id` is ignored: those cannot be replaced.
   */
  readonly extraHeaders?: Readonly<Record<string, string>>;
};

/**
 * Signs and publishes `body` to a stream subject (status messages on `FED_STATUS`, records on
 * `FED_SYNC`, checkpoints on `FED_CHECKPOINTS`), awaiting the stream ack.
 */
export function publishSigned(js: JetStreamClient, input: SignedPublish): Promise<PubAck> {
  const h = signedHeaders(input.signer, input.body, input.msgId);
  for (const [name, value] of Object.entries(input.extraHeaders ?? {})) {
    if (!h.has(name)) h.set(name, value);
  }
  return js.publish(input.subject, input.body, {
    msgID: input.msgId,
    headers: h,
    ...(input.timeoutMs === undefined ? {} : { timeout: input.timeoutMs }),
  });
}
