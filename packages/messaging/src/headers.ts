/**
 * Header names used on the bus (bus.md, "Headers on every event", "Errors"; sync.md for
 * `Fed-Ack-Inbox`). Written here once, like nats.js `JsHeaders`.
 */
export const FedHeader = {
  /** JetStream deduplication id: the event `id`, or another stable id inside the window. */
  MsgId: 'Nats-Msg-Id',
  /** `ed25519=<base64 of the 64-byte signature over the exact body bytes>`. */
  Signature: 'Fed-Signature',
  /** The emitter's credential, `v1=<base64>`. */
  Credential: 'Fed-Credential',
  /** The emitter's intermediates, `v1=<base64>`, when it holds any. */
  CredentialChain: 'Fed-Credential-Chain',
  /** Issuer id, on messages the issuer signs with its own issuer key (instead of a credential). */
  Issuer: 'Fed-Issuer',
  /** Inbox a sync-gateway listens on for quorum acks of a replicated record. */
  AckInbox: 'Fed-Ack-Inbox',
  /** Service error description (the `@nats-io/services` error contract). */
  ServiceError: 'Nats-Service-Error',
  /** Service error code (core `NATS_ERROR_CODE`), decimal. */
  ServiceErrorCode: 'Nats-Service-Error-Code',
} as const;
/** One of the header names. */
export type FedHeader = (typeof FedHeader)[keyof typeof FedHeader];
