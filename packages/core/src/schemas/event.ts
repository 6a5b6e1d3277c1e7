import { parseJsonText } from '../json-text.js';
import { z } from 'zod';
import { fromUtf8, utf8 } from '../bytes.js';
import {
  AgentIdSchema,
  CauseSchema,
  EventIdSchema,
  Rfc3339MsSchema,
  toSchemaIssues,
  type SchemaIssue,
} from './primitives.js';

/**
 * The event envelope of bus.md: every message on `fed.evt.>` is the UTF-8 JSON object
 * `{id, type, actor, subject?, at, cause?, data}`. The envelope is strict (unknown top-level keys
 * are rejected); `data` is any JSON object here and is checked per type by `parseEventData`
 * (events-catalog.ts).
 */

/** Largest event body accepted, in bytes (64 KiB). Emitters keep list fields short to fit. */
export const EVENT_MAX_BYTES = 64 * 1024;

/** An event type `<area>.<name>`: two snake_case segments, at most 64 characters. */
export const EventTypeNameSchema = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, { error: 'expected <area>.<name>' });

/** The event envelope (bus.md, Events). */
export const EventEnvelopeSchema = z.strictObject({
  id: EventIdSchema,
  type: EventTypeNameSchema,
  actor: AgentIdSchema,
  /** The agent id or object id (pending id, rule id, …) the event is about; subject-token safe. */
  subject: AgentIdSchema.optional(),
  at: Rfc3339MsSchema,
  cause: CauseSchema.optional(),
  data: z.record(z.string(), z.unknown()),
});
/** A parsed event envelope. */
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;

/** Why an event body was refused. */
export type EventParseError =
  | { readonly tag: 'too_large'; readonly size: number; readonly max: number }
  | { readonly tag: 'invalid_utf8' }
  | { readonly tag: 'invalid_json'; readonly message: string }
  | { readonly tag: 'invalid_envelope'; readonly issues: readonly SchemaIssue[] };

/** Result of {@link parseEvent}. */
export type EventParse =
  | { readonly ok: true; readonly value: EventEnvelope }
  | { readonly ok: false; readonly error: EventParseError };

/** UTF-8 byte length of a string without allocating for strings that are clearly too large. */
function utf8Length(text: string): number {
  // Every UTF-16 code unit encodes to at least one UTF-8 byte.
  if (text.length > EVENT_MAX_BYTES) return text.length;
  return utf8(text).byteLength;
}

/**
 * Parses an event body (the exact bytes carried, or their text).
 * Order: size cap ({@link EVENT_MAX_BYTES}) → strict UTF-8 → JSON → envelope schema.
 * Never throws; every failure is a typed error value.
 */
export function parseEvent(body: Uint8Array | string): EventParse {
  let text: string;
  if (typeof body === 'string') {
    const size = utf8Length(body);
    if (size > EVENT_MAX_BYTES)
      return { ok: false, error: { tag: 'too_large', size, max: EVENT_MAX_BYTES } };
    text = body;
  } else {
    if (body.byteLength > EVENT_MAX_BYTES) {
      return {
        ok: false,
        error: { tag: 'too_large', size: body.byteLength, max: EVENT_MAX_BYTES },
      };
    }
    const decoded = fromUtf8(body);
    if (decoded === undefined) return { ok: false, error: { tag: 'invalid_utf8' } };
    text = decoded;
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) return parsed;
  const json = parsed.value;
  const result = EventEnvelopeSchema.safeParse(json);
  if (!result.success) {
    return { ok: false, error: { tag: 'invalid_envelope', issues: toSchemaIssues(result.error) } };
  }
  return { ok: true, value: result.data };
}
