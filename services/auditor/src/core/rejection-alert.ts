import {
  TagSchema,
  UUID_V7_MAX_MS,
  UUID_V7_RANDOM_BYTES,
  checkAgentId,
  sha256,
  toHex,
  utf8,
  uuidV7,
  type EventDataOf,
} from '@fedplane/core';
import type { NewAuditEvent } from '@fedplane/audit-store';
import type { Rejection } from './event-row.js';

/**
 * The `audit.rejected_event` the auditor raises for a row recorded `unsigned` or
 * `invalid_signature` (audit.md step 1; data schema: core `EVENT_TYPES['audit.rejected_event']`).
 *
 * Its id is derived from the rejected row, not drawn at random: a UUIDv7 whose time is when the
 * stream received the rejected message and whose 74 "random" bits come from
 * SHA-256(`fedplane/audit/rejected\0` ‖ row event id). An alert published again after a crash
 * (between the commit and the ack, the batch is redelivered and alerts are raised again) carries
 * the same id, so JetStream's duplicate window and the chain's `event_id` uniqueness keep one.
 */

/** The event fields the shell hands to `publishEvent`. */
export type RejectionAlert = {
  readonly id: string;
  readonly type: 'audit.rejected_event';
  readonly actor: string;
  readonly subject?: string;
  readonly at: string;
  readonly data: EventDataOf<'audit.rejected_event'>;
};

/** Input of {@link rejectionAlert}. */
export type RejectionAlertInput = {
  readonly row: NewAuditEvent;
  readonly rejection: Rejection;
  /** The chain sequence the row got, or null when this delivery did not append it. */
  readonly seq: number | null;
  /** The auditor's agent id (`svc/auditor/<instance>`): the alert's actor. */
  readonly auditorId: string;
  /** When the stream received the rejected message (Unix ms): the alert id's time part. */
  readonly receivedAtMs: number;
  /** Now (Unix ms): the alert's `at`. */
  readonly nowMs: number;
};

const ID_DOMAIN = 'fedplane/audit/rejected\u0000';
const FALLBACK_REASON = 'invalid_signature';

function clampMs(ms: number): number {
  if (!Number.isFinite(ms)) return 0;
  return Math.min(UUID_V7_MAX_MS, Math.max(0, Math.trunc(ms)));
}

/** The deterministic alert id for a row id (see the module comment). */
export function rejectionAlertId(rowEventId: string, receivedAtMs: number): string {
  const random = sha256(utf8(`${ID_DOMAIN}${rowEventId}`)).slice(0, UUID_V7_RANDOM_BYTES);
  return uuidV7(clampMs(receivedAtMs), random);
}

/**
 * Builds the alert for one rejected row.
 * Input: the row, its rejection, its chain seq (if appended now), the auditor id and times.
 * Output: event fields whose `data` satisfies the catalog schema: the row's id, type and actor
 * cut to the schema's bounds, the level, the reason (a snake_case tag, else
 * `invalid_signature`), the body's SHA-256 and the stream sequence. `subject` is the row's event
 * id when it is a valid agent id (derived ids and event ids are). Pure; never throws.
 */
export function rejectionAlert(input: RejectionAlertInput): RejectionAlert {
  const { row, rejection } = input;
  const reason = TagSchema.safeParse(rejection.reason).success ? rejection.reason : FALLBACK_REASON;
  const data: EventDataOf<'audit.rejected_event'> = {
    ...(input.seq === null ? {} : { seq: input.seq }),
    event_id: row.event_id.slice(0, 128),
    type: row.type.slice(0, 64),
    actor: row.actor.slice(0, 256),
    attest_level: rejection.attestLevel,
    reason,
    body_sha256: toHex(sha256(row.body)),
    ...(row.stream_seq === null || row.stream_seq < 1 ? {} : { stream_seq: row.stream_seq }),
  };
  return {
    id: rejectionAlertId(row.event_id, input.receivedAtMs),
    type: 'audit.rejected_event',
    actor: input.auditorId,
    ...(checkAgentId(row.event_id).ok ? { subject: row.event_id } : {}),
    at: new Date(clampMs(input.nowMs)).toISOString(),
    data,
  };
}
