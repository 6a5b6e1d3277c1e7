import { sha256Hex } from './digest.js';
import { parseRfc3339, type Rfc3339Problem } from './rfc3339.js';

/**
 * The conflict rule for replicated records (sync.md, Records): the winner is the record with the
 * greater `(updated_at as an instant in ms, content_hash)`, where `content_hash` is the lower-case
 * hex SHA-256 of the record's JSON bytes exactly as published. Hex text of equal length compares
 * like the bytes, so the order is total over distinct byte strings and every replica picks the
 * same winner whatever the arrival order. Tombstones (`{id, namespace, deleted: true,
 * updated_at}`) are records like any other: a delete with a later `updated_at` beats every older
 * write, so an older write can never resurrect it.
 *
 * `updated_at` is read with {@link parseRfc3339}: offsets are normalised to the instant and digits
 * below the millisecond are truncated, so two texts for the same millisecond tie on time and the
 * content hash decides.
 */

/** The ordering key of one record version. */
export type RecordOrderKey = {
  /** `updated_at` as Unix milliseconds (sub-millisecond digits truncated). */
  readonly instantMs: number;
  /** Lower-case hex SHA-256 of the record's JSON bytes as published. */
  readonly contentHash: string;
};

/** Result of {@link recordOrderKey}. */
export type RecordOrderKeyResult =
  | { readonly ok: true; readonly key: RecordOrderKey }
  | {
      readonly ok: false;
      readonly error: { readonly tag: 'bad_updated_at'; readonly problem: Rfc3339Problem };
    };

/** Which side of a conflict wins: `equal` only when both keys are the same (identical bytes). */
export type ConflictWinner = 'a' | 'b' | 'equal';

/**
 * The ordering key of a record version.
 * Input: the record's JSON bytes as published and its `updated_at` text. Output: the key, or
 * `bad_updated_at` when the timestamp is not strict RFC 3339 (validation normally refuses such a
 * record first). Never throws.
 */
export function recordOrderKey(jsonBytes: Uint8Array, updatedAt: string): RecordOrderKeyResult {
  const instant = parseRfc3339(updatedAt);
  if (!instant.ok) return { ok: false, error: { tag: 'bad_updated_at', problem: instant.problem } };
  return { ok: true, key: { instantMs: instant.instantMs, contentHash: sha256Hex(jsonBytes) } };
}

/**
 * Total order on record versions: by instant, then by content hash as text.
 * Output: -1 when `a` orders before `b`, 1 after, 0 when the keys are equal.
 * Invariants: antisymmetric (`compare(a, b) === -compare(b, a)`), transitive, total.
 */
export function compareRecords(a: RecordOrderKey, b: RecordOrderKey): -1 | 0 | 1 {
  if (a.instantMs !== b.instantMs) return a.instantMs < b.instantMs ? -1 : 1;
  if (a.contentHash === b.contentHash) return 0;
  return a.contentHash < b.contentHash ? -1 : 1;
}

/**
 * Which version wins a conflict: the greater key; `equal` when the keys are the same (applying
 * either is a no-op). Invariant: swapping the arguments swaps `a` and `b` in the answer.
 */
export function conflictWinner(a: RecordOrderKey, b: RecordOrderKey): ConflictWinner {
  const order = compareRecords(a, b);
  if (order === 0) return 'equal';
  return order > 0 ? 'a' : 'b';
}
