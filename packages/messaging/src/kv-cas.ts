import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';

/**
 * Compare-and-set over `@nats-io/kv` revisions, for leases and other single-writer values.
 * A wrong revision (someone else wrote first) is a value, `{ok: false, conflict: true}`; any other
 * failure (server down, permissions) rejects.
 */

/** Result of a CAS write. */
export type CasResult =
  | { readonly ok: true; readonly revision: number }
  | { readonly ok: false; readonly conflict: true };

const CONFLICT = { ok: false, conflict: true } as const;

/** True for the stream's "wrong last sequence" refusal of a CAS write. */
function isRevisionConflict(err: unknown): boolean {
  if (err instanceof JetStreamApiError) {
    return (
      err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown
    );
  }
  return err instanceof Error && /wrong last sequence/i.test(err.message);
}

/**
 * The live entry of `key`, or `undefined` when it was never written or its last operation is a
 * delete or purge (the entry `revision` of a deleted key is still needed for CAS: read it with
 * `kv.get` directly).
 */
export async function getEntry(kv: KV, key: string): Promise<KvEntry | undefined> {
  const entry = await kv.get(key);
  if (entry === null || entry.operation !== 'PUT') return undefined;
  return entry;
}

/**
 * Writes `value` only when `key` has no live value (never written, deleted or purged).
 * Returns the new revision or a conflict.
 */
export async function createIfAbsent(
  kv: KV,
  key: string,
  value: Uint8Array | string,
): Promise<CasResult> {
  try {
    return { ok: true, revision: await kv.create(key, value) };
  } catch (err) {
    if (isRevisionConflict(err)) return CONFLICT;
    throw err;
  }
}

/** Writes `value` only when `key`'s latest revision is `revision`. */
export async function updateIfRevision(
  kv: KV,
  key: string,
  value: Uint8Array | string,
  revision: number,
): Promise<CasResult> {
  try {
    return { ok: true, revision: await kv.update(key, value, revision) };
  } catch (err) {
    if (isRevisionConflict(err)) return CONFLICT;
    throw err;
  }
}

/** Deletes `key` only when its latest revision is `revision` (a lease released by its holder). */
export async function deleteIfRevision(kv: KV, key: string, revision: number): Promise<CasResult> {
  try {
    await kv.delete(key, { previousSeq: revision });
    return { ok: true, revision };
  } catch (err) {
    if (isRevisionConflict(err)) return CONFLICT;
    throw err;
  }
}
