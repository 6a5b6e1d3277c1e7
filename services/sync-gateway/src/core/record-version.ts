import {
  compareRecords,
  recordOrderKey,
  utf8,
  type RecordOrderKey,
  type ValidatedRecord,
} from '@fedplane/core';
import { canonicalJson } from './canonical-json.js';

/**
 * One version of a replicated record as the engine handles it: its canonical bytes (what is
 * published, signed and hashed), its order key `(updated_at ms, content_hash)` and the fields the
 * replica indexes. Pure.
 */

/** A record version ready to apply or publish. */
export type RecordVersion = {
  readonly id: string;
  readonly namespace: string;
  readonly deleted: boolean;
  /** `updated_at` as Unix ms (sub-millisecond digits truncated, as the conflict rule reads it). */
  readonly updatedAtMs: number;
  /** Lower-case hex SHA-256 of {@link RecordVersion.bytes}. */
  readonly contentHash: string;
  /** The canonical JSON bytes (published, signed, hashed). */
  readonly bytes: Uint8Array;
  /** The record object (stored as JSONB). */
  readonly record: Readonly<Record<string, unknown>>;
  /** The node the version was first written through. */
  readonly origin: string;
};

/**
 * The version of a validated record written through `origin`. `received` are the record's bytes
 * as published, when it came from the stream already checked canonical: they are hashed as they
 * are (sync.md: the hash of the bytes as published) instead of being written again. Returns
 * undefined only when `updated_at` does not parse, which validation already refuses.
 */
export function toVersion(
  validated: ValidatedRecord,
  origin: string,
  received?: Uint8Array,
): RecordVersion | undefined {
  const record = validated.record;
  const bytes = received ?? utf8(canonicalJson(record));
  const key = recordOrderKey(bytes, record.updated_at);
  if (!key.ok) return undefined;
  return {
    id: record.id,
    namespace: record.namespace,
    deleted: validated.kind === 'tombstone',
    updatedAtMs: key.key.instantMs,
    contentHash: key.key.contentHash,
    bytes,
    record,
    origin,
  };
}

/** The order key of a version. */
export function orderKey(version: RecordVersion): RecordOrderKey {
  return { instantMs: version.updatedAtMs, contentHash: version.contentHash };
}

/**
 * One version per id, the winner of the conflict rule among the given ones, in first-seen id
 * order. Applying the result to a replica gives the same state as applying every input version
 * in any order (the rule is a total order, so the maximum is unique).
 */
export function winnersById<T extends RecordVersion>(versions: readonly T[]): T[] {
  const best = new Map<string, T>();
  for (const version of versions) {
    const held = best.get(version.id);
    if (held === undefined || compareRecords(orderKey(held), orderKey(version)) < 0) {
      best.set(version.id, version);
    }
  }
  return [...best.values()];
}

/** `Nats-Msg-Id` of a replicated record: `<origin>:<id>:<content_hash>` (sync.md, Write path). */
export function recordMsgId(version: Pick<RecordVersion, 'origin' | 'id' | 'contentHash'>): string {
  return `${version.origin}:${version.id}:${version.contentHash}`;
}

/** The instant of `updatedAtMs` as RFC 3339 UTC with milliseconds (the replica's column). */
export function instantText(updatedAtMs: number): string {
  return new Date(updatedAtMs).toISOString();
}
