import { AttestLevel, type EventAttestation } from '@fedplane/core';
import type { NewAuditEvent } from '@fedplane/audit-store';

/**
 * One message of `FED_EVENTS` → one `audit_events` row (audit.md, "The auditor service"), and
 * whether it must raise `audit.rejected_event`. Evidence is never dropped: a body that is not an
 * event, an unsigned message and a forged one are all recorded.
 *
 * Row identity (`event_id`, what makes redelivery idempotent):
 * - an authentic event (`credential_signed` or `issuer_signed`) whose body is a valid envelope:
 *   its own `id`;
 * - anything else: `stream:<stream_seq>[:<tag>]`, where the tag is the claimed event id when the
 *   body is an envelope, else the `Nats-Msg-Id` reduced to `[A-Za-z0-9_-]` (at most 64
 *   characters). A redelivered message keeps its stream sequence, so the id is stable; and an
 *   unauthenticated copy can neither take the id of a real event nor be skipped as its
 *   duplicate.
 *
 * Placeholders for a body that is not an event envelope: `type` {@link INVALID_EVENT_TYPE},
 * `actor` the credential subject when the signature verified, else {@link UNKNOWN_ACTOR},
 * `subject` null, `at` the time the stream received the message.
 */

/** `type` recorded for a body that is not an event envelope. */
export const INVALID_EVENT_TYPE = 'invalid';
/** `actor` recorded when nobody authenticated could be named. */
export const UNKNOWN_ACTOR = 'unknown';
/** Prefix of derived row ids. */
const DERIVED_ID_PREFIX = 'stream:';
/** `signer` prefix of issuer-signed rows (matches the audit store's reader). */
const ISSUER_SIGNER = 'issuer:';

const TAG_MAX_CHARS = 64;

/** One message as received from the stream (by delivery or read back by sequence). */
export type ReceivedEvent = {
  /** Stream sequence in `FED_EVENTS`. */
  readonly streamSeq: number;
  /** The exact body bytes. */
  readonly body: Uint8Array;
  /** `Nats-Msg-Id`, when the message carried one. */
  readonly msgId: string | undefined;
  /** When the stream stored it, RFC 3339 UTC with milliseconds. */
  readonly receivedAt: string;
};

/** Why a row raises `audit.rejected_event`. */
export type Rejection = {
  readonly attestLevel: typeof AttestLevel.unsigned | typeof AttestLevel.invalid_signature;
  /** `unsigned`, or core's attestation reason (`bad_signature`, `credential_expired`, …). */
  readonly reason: string;
  /**
   * False for a rejected `audit.rejected_event` (an alert about an alert could loop forever
   * when the auditor's own signature fails): the shell logs it instead.
   */
  readonly alert: boolean;
};

/** The row and its rejection, if any. */
export type BuiltRow = { readonly row: NewAuditEvent; readonly rejection: Rejection | null };

/** The derived id `stream:<seq>[:<tag>]` (see the module comment). */
export function derivedEventId(streamSeq: number, tag: string | undefined): string {
  const clean = (tag ?? '').replace(/[^A-Za-z0-9_-]/g, '').slice(0, TAG_MAX_CHARS);
  return `${DERIVED_ID_PREFIX}${streamSeq}${clean === '' ? '' : `:${clean}`}`;
}

function signerOf(attested: EventAttestation['attestation']): string | null {
  switch (attested.attest_level) {
    case AttestLevel.credential_signed:
      return attested.credential;
    case AttestLevel.issuer_signed:
      return `${ISSUER_SIGNER}${attested.issuer}`;
    case AttestLevel.invalid_signature:
      if (attested.credential !== undefined) return attested.credential;
      return attested.issuer === undefined ? null : `${ISSUER_SIGNER}${attested.issuer}`;
    case AttestLevel.unsigned:
      return null;
  }
}

function rejectionOf(
  attested: EventAttestation['attestation'],
  type: string | undefined,
): Rejection | null {
  const alert = type !== 'audit.rejected_event';
  switch (attested.attest_level) {
    case AttestLevel.credential_signed:
    case AttestLevel.issuer_signed:
      return null;
    case AttestLevel.unsigned:
      return { attestLevel: attested.attest_level, reason: 'unsigned', alert };
    case AttestLevel.invalid_signature:
      return { attestLevel: attested.attest_level, reason: attested.reason, alert };
  }
}

/**
 * Builds the row for one received message from its attestation.
 * Inputs: the message (sequence, body, msg id, receive time) and core's event attestation.
 * Output: the row to append and the rejection (null for the two signed levels).
 * Invariants: `body` is the carried bytes; `attest_level` and `signature` are the attestation's;
 * `event_id` follows the module comment. Pure; never throws.
 */
export function buildAuditRow(message: ReceivedEvent, attested: EventAttestation): BuiltRow {
  const { attestation, event } = attested;
  const level = attestation.attest_level;
  const authentic = level === AttestLevel.credential_signed || level === AttestLevel.issuer_signed;
  const envelope = event.ok ? event.value : undefined;
  const eventId =
    envelope !== undefined && authentic
      ? envelope.id
      : derivedEventId(message.streamSeq, envelope?.id ?? message.msgId);
  let actor = UNKNOWN_ACTOR;
  if (envelope !== undefined) actor = envelope.actor;
  else if (attestation.attest_level === AttestLevel.credential_signed) actor = attestation.signer;
  const signature =
    'signature' in attestation && attestation.signature !== undefined
      ? attestation.signature
      : null;
  return {
    row: {
      event_id: eventId,
      type: envelope?.type ?? INVALID_EVENT_TYPE,
      actor,
      subject: envelope?.subject ?? null,
      at: envelope?.at ?? message.receivedAt,
      body: message.body,
      signature,
      signer: signerOf(attestation),
      attest_level: level,
      stream_seq: message.streamSeq,
    },
    rejection: rejectionOf(attestation, envelope?.type),
  };
}

/**
 * The row to store instead when the audit store refuses `row` as unstorable (text it cannot hold,
 * e.g. a NUL in a carried header): the same body, sequence, level and signature, with the
 * derived id and the placeholders, and no signer when the level does not need one. Authentic
 * rows keep their signer (a `v1=` credential or `issuer:<id>`, always storable). Pure.
 */
export function fallbackRow(row: NewAuditEvent, receivedAt: string): NewAuditEvent {
  const authentic =
    row.attest_level === AttestLevel.credential_signed ||
    row.attest_level === AttestLevel.issuer_signed;
  return {
    event_id: derivedEventId(row.stream_seq ?? 0, undefined),
    type: INVALID_EVENT_TYPE,
    actor: UNKNOWN_ACTOR,
    subject: null,
    at: receivedAt,
    body: row.body,
    signature: row.signature,
    signer: authentic ? row.signer : null,
    attest_level: row.attest_level,
    stream_seq: row.stream_seq,
  };
}
