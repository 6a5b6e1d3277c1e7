import { randomBytes } from 'node:crypto';
import {
  AppError,
  ErrorCode,
  isEventType,
  parseEvent,
  parseEventData,
  utf8,
  type EventEnvelope,
} from '@fedplane/core';
import { UUID_V7_RANDOM_BYTES, uuidV7 } from '@fedplane/core';

/**
 * Event bodies (bus.md, Events): the exact UTF-8 JSON bytes that are signed, published and
 * chained. Key order is fixed (`id, type, actor, subject?, at, cause?, data`) so the bytes of an
 * event depend only on its fields.
 */

/** The fields of one event; `id` and `at` come from {@link newEventStamp} (or a test). */
export type EventInput = {
  /** `<area>.<name>`, past tense (`credential.issued`). */
  readonly type: string;
  /** Agent id of the emitter (equals the signer's credential subject). */
  readonly actor: string;
  /** The agent id or object id the event is about. */
  readonly subject?: string;
  /** Id of the request or event that caused it. */
  readonly cause?: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** UUIDv7 (or ULID). */
  readonly id: string;
  /** RFC 3339 UTC with milliseconds. */
  readonly at: string;
};

/** A fresh event id and timestamp. */
export type EventStamp = { readonly id: string; readonly at: string };

/**
 * A new UUIDv7 id (48-bit `nowMs` + 74 bits from `node:crypto`) and the matching RFC 3339
 * millisecond timestamp (`2026-11-22T14:03:07.123Z`).
 */
export function newEventStamp(nowMs: number = Date.now()): EventStamp {
  return {
    id: uuidV7(nowMs, randomBytes(UUID_V7_RANDOM_BYTES)),
    at: new Date(nowMs).toISOString(),
  };
}

/**
 * The exact body bytes of an event. The result is checked with core's `parseEvent` (strict
 * envelope, 64 KiB cap) and, for a type in the event catalog, `parseEventData`; a failure throws
 * `AppError` — `TOO_LARGE` over the cap, else `BAD_REQUEST` with the issues in `details` — since
 * an emitter must never publish an event the auditor would refuse. Uncatalogued types are allowed
 * (the catalog documents, it does not gate).
 */
export function buildEvent(input: EventInput): Uint8Array {
  const envelope = {
    id: input.id,
    type: input.type,
    actor: input.actor,
    ...(input.subject === undefined ? {} : { subject: input.subject }),
    at: input.at,
    ...(input.cause === undefined ? {} : { cause: input.cause }),
    data: input.data,
  };
  let text: string;
  try {
    text = JSON.stringify(envelope);
  } catch (err) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'event is not JSON', { cause: err });
  }
  const bytes = utf8(text);
  const parsed = parseEvent(bytes);
  if (!parsed.ok) {
    const { error } = parsed;
    if (error.tag === 'too_large') {
      throw new AppError(ErrorCode.TOO_LARGE, 'event too large', {
        details: { size: error.size, max: error.max },
      });
    }
    throw new AppError(ErrorCode.BAD_REQUEST, 'invalid event', { details: { ...error } });
  }
  checkCataloguedData(parsed.value);
  return bytes;
}

function checkCataloguedData(event: EventEnvelope): void {
  if (!isEventType(event.type)) return;
  const data = parseEventData(event.type, event.data);
  if (!data.ok) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'invalid event data', { details: { ...data.error } });
  }
}
