import type { Registration } from '../core/registration.js';

/**
 * What this issuer process remembers about the credentials it signed, so the next renewal of a
 * node can skip work (the renewal fast path): the credential's id (hex SHA-256 of its envelope,
 * so a hit means the very bytes this process signed — their signature needs no re-check) and
 * the registration as this process wrote it with that credential. The registration is only a
 * guess: the fast path writes with a compare-and-set on every field the decision read, and any
 * mismatch falls back to the locked, transactional path. Bounded; the oldest entries go first.
 */

/** The registration fields the renewal decision reads (no stored reply: it is not needed). */
export type LineageEntry = Registration;

/** The cache. */
export type LineageCache = {
  /** True when this process signed the credential with this id (and still remembers it). */
  has(credentialId: string): boolean;
  get(credentialId: string): LineageEntry | undefined;
  /** Remembers the registration written with `credentialId` as its latest credential. */
  remember(credentialId: string, registration: Registration): void;
  forget(credentialId: string): void;
  readonly size: number;
};

/** Default bound: ~100 k entries (a few hundred bytes each). */
export const LINEAGE_CACHE_LIMIT = 100_000;

/** Creates an empty cache holding at most `limit` entries. */
export function createLineageCache(limit = LINEAGE_CACHE_LIMIT): LineageCache {
  const entries = new Map<string, LineageEntry>();
  return {
    has: (id) => entries.has(id),
    get: (id) => entries.get(id),
    remember: (id, registration) => {
      entries.delete(id);
      entries.set(id, { ...registration, lastReply: null });
      while (entries.size > limit) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
    },
    forget: (id) => {
      entries.delete(id);
    },
    get size() {
      return entries.size;
    },
  };
}
