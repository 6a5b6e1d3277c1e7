import {
  createIfAbsent,
  deleteIfRevision,
  updateIfRevision,
  type CasResult,
} from '@fedplane/messaging';
import type { KV } from '@nats-io/kv';
import type { LeaseStore, LeaseWrite } from './lease.js';

/**
 * The {@link LeaseStore} over a NATS KV bucket (`fed-leases`, opened by the caller), using the
 * messaging package's compare-and-set helpers. Reads use `kv.get` directly because a deleted
 * lease's revision is still needed for the next CAS.
 */

function toWrite(result: CasResult): LeaseWrite {
  return result.ok ? { ok: true, revision: result.revision } : { ok: false, reason: 'conflict' };
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}

/** A lease store on `kv`. Server failures reject; lost CAS races are `{ok: false}`. */
export function natsLeaseStore(kv: KV): LeaseStore {
  return {
    read: async (key) => {
      const entry = await kv.get(key);
      if (entry === null) return null;
      return {
        revision: entry.revision,
        value: entry.operation === 'PUT' ? parseJson(entry.value) : undefined,
      };
    },
    create: async (key, value) => toWrite(await createIfAbsent(kv, key, JSON.stringify(value))),
    update: async (key, value, revision) =>
      toWrite(await updateIfRevision(kv, key, JSON.stringify(value), revision)),
    remove: async (key, revision) => toWrite(await deleteIfRevision(kv, key, revision)),
  };
}
