import { AttestLevel } from '@fedplane/core';

/**
 * One event to append to `audit_events` (design/audit.md, Table): the envelope's readable fields,
 * the exact body bytes, and how its signature checked out. `seq`, `body_hash`, `prev_hash` and
 * `entry_hash` are computed by the store; callers never supply them.
 */
export type NewAuditEvent = {
  /** The envelope `id`; unique in the chain (a redelivered id is skipped, not appended). */
  readonly event_id: string;
  readonly type: string;
  readonly actor: string;
  readonly subject: string | null;
  /** The event's own timestamp string, exactly as sent. */
  readonly at: string;
  /** The exact event bytes. */
  readonly body: Uint8Array;
  /** The carried signature (64 bytes for Ed25519), or null. */
  readonly signature: Uint8Array | null;
  /** The `v1=` credential, `issuer:<issuer_id>`, or null. */
  readonly signer: string | null;
  readonly attest_level: AttestLevel;
  /** The JetStream stream sequence (not hashed), or null. */
  readonly stream_seq: number | null;
};

/** Why an event cannot be stored (see {@link newAuditEventProblem}). */
export type AuditEventProblem =
  | 'event_id_empty'
  | 'text_not_storable'
  | 'body_not_bytes'
  | 'attest_level_unknown'
  | 'signature_length'
  | 'signature_missing'
  | 'signer_missing'
  | 'stream_seq_invalid';

/** A problem and the field it is in. */
export type AuditEventIssue = {
  readonly field: keyof NewAuditEvent;
  readonly problem: AuditEventProblem;
};

const MAX_SIGNATURE_BYTES = 255;
const LEVELS: ReadonlySet<string> = new Set<string>(Object.values(AttestLevel));
const SIGNED_LEVELS: ReadonlySet<string> = new Set<string>([
  AttestLevel.credential_signed,
  AttestLevel.issuer_signed,
]);
/** NUL (which Postgres TEXT cannot hold) or a lone UTF-16 surrogate (which UTF-8 cannot carry). */
const UNSTORABLE_TEXT = /\0|\p{Cs}/u;

function textIssue(
  field: 'event_id' | 'type' | 'actor' | 'subject' | 'at' | 'signer',
  value: unknown,
  nullable: boolean,
): AuditEventIssue | null {
  if (value === null && nullable) return null;
  if (typeof value !== 'string' || UNSTORABLE_TEXT.test(value)) {
    return { field, problem: 'text_not_storable' };
  }
  return null;
}

/**
 * Checks that an event can be stored and hashed as given.
 * Input: any value typed as {@link NewAuditEvent}. Output: the first issue found, or null.
 * Rules: `event_id` non-empty; text fields are strings without NUL or lone surrogates (nullable
 * ones may be null); `body` is a Uint8Array; `attest_level` is one of the four levels;
 * `signature` is null or 1–255 bytes; `credential_signed` / `issuer_signed` rows carry a
 * signature and a signer; `stream_seq` is null or a non-negative safe integer. Never throws.
 */
export function newAuditEventProblem(event: NewAuditEvent): AuditEventIssue | null {
  const texts = [
    textIssue('event_id', event.event_id, false),
    textIssue('type', event.type, false),
    textIssue('actor', event.actor, false),
    textIssue('subject', event.subject, true),
    textIssue('at', event.at, false),
    textIssue('signer', event.signer, true),
  ];
  const text = texts.find((issue) => issue !== null);
  if (text !== undefined) return text;
  if (event.event_id === '') return { field: 'event_id', problem: 'event_id_empty' };
  if (!(event.body instanceof Uint8Array)) return { field: 'body', problem: 'body_not_bytes' };
  if (!LEVELS.has(event.attest_level)) {
    return { field: 'attest_level', problem: 'attest_level_unknown' };
  }
  const signature: unknown = event.signature;
  if (signature !== null) {
    if (
      !(signature instanceof Uint8Array) ||
      signature.byteLength === 0 ||
      signature.byteLength > MAX_SIGNATURE_BYTES
    ) {
      return { field: 'signature', problem: 'signature_length' };
    }
  }
  if (SIGNED_LEVELS.has(event.attest_level)) {
    if (signature === null) return { field: 'signature', problem: 'signature_missing' };
    if (event.signer === null) return { field: 'signer', problem: 'signer_missing' };
  }
  const streamSeq = event.stream_seq;
  if (streamSeq !== null && !(Number.isSafeInteger(streamSeq) && streamSeq >= 0)) {
    return { field: 'stream_seq', problem: 'stream_seq_invalid' };
  }
  return null;
}
