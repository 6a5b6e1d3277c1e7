import { NONCE_TTL_MS, nonceFingerprint, toHex } from '@fedplane/core';

/**
 * The per-peer nonce memory of the replay gate (sync.md Write path step 1; reference §3.5
 * `replay.rs`), in memory and bounded:
 * - each nonce is remembered for `ttlMs` (default core `NONCE_TTL_MS`, 10 minutes, twice the
 *   wall-clock window, so a captured request is refused by one rule or the other);
 * - at most `maxPerPeer` nonces per peer (oldest dropped first) and `maxPeers` peer slots (the
 *   least recently used slot dropped whole), so one noisy or hostile peer can only push out its
 *   own nonces, and memory stays bounded (~100 bytes per nonce);
 * - keys are core `nonceFingerprint(peer, nonce)` (fixed size, whatever the nonce length).
 * Single-threaded use: `has` then `remember` without an `await` between them is atomic.
 */

/** Options of {@link createNonceCache}. */
export type NonceCacheOptions = {
  /** How long a nonce is remembered (default `NONCE_TTL_MS`). */
  readonly ttlMs?: number;
  /** Most nonces remembered per peer (default 10 000, the reference's). */
  readonly maxPerPeer?: number;
  /** Most peers with a slot (default 1 024, the reference's). */
  readonly maxPeers?: number;
};

/** Counts for metrics and tests. */
export type NonceCacheStats = {
  readonly peers: number;
  readonly entries: number;
  /** Nonces dropped before their TTL because a bound was hit. */
  readonly evicted: number;
};

/** The cache. `nowMs` is passed in so tests control time. */
export type NonceCache = {
  /** True when `nonce` is remembered for `peerId` and not expired at `nowMs`. */
  has(peerId: string, nonce: string, nowMs: number): boolean;
  /** Remembers `nonce` for `peerId` until `nowMs + ttlMs` (an existing entry keeps its expiry). */
  remember(peerId: string, nonce: string, nowMs: number): void;
  stats(): NonceCacheStats;
};

/** Default bound on nonces per peer. */
export const DEFAULT_NONCES_PER_PEER = 10_000;
/** Default bound on peer slots. */
export const DEFAULT_NONCE_PEERS = 1_024;

/** Creates an empty cache. Throws `RangeError` on a non-positive bound (a programming error). */
export function createNonceCache(options: NonceCacheOptions = {}): NonceCache {
  const ttlMs = options.ttlMs ?? NONCE_TTL_MS;
  const maxPerPeer = options.maxPerPeer ?? DEFAULT_NONCES_PER_PEER;
  const maxPeers = options.maxPeers ?? DEFAULT_NONCE_PEERS;
  if (!(ttlMs > 0 && maxPerPeer > 0 && maxPeers > 0)) {
    throw new RangeError('nonce cache bounds must be positive');
  }
  // Peer slots in least-recently-used order (a Map iterates in insertion order; a touched slot is
  // re-inserted). Within a slot, fingerprints in insertion order = expiry order (constant TTL).
  const slots = new Map<string, Map<string, number>>();
  let entries = 0;
  let evicted = 0;

  const prune = (slot: Map<string, number>, nowMs: number): void => {
    for (const [key, expiresAt] of slot) {
      if (expiresAt > nowMs) return;
      slot.delete(key);
      entries -= 1;
    }
  };

  const slotFor = (peerId: string, nowMs: number): Map<string, number> => {
    const existing = slots.get(peerId);
    if (existing !== undefined) {
      slots.delete(peerId);
      slots.set(peerId, existing);
      prune(existing, nowMs);
      return existing;
    }
    if (slots.size >= maxPeers) {
      const [oldestPeer, oldest] = slots.entries().next().value ?? [];
      if (oldestPeer !== undefined && oldest !== undefined) {
        slots.delete(oldestPeer);
        prune(oldest, nowMs);
        entries -= oldest.size;
        evicted += oldest.size;
      }
    }
    const created = new Map<string, number>();
    slots.set(peerId, created);
    return created;
  };

  return {
    has(peerId, nonce, nowMs) {
      const slot = slots.get(peerId);
      if (slot === undefined) return false;
      const expiresAt = slot.get(toHex(nonceFingerprint(peerId, nonce)));
      return expiresAt !== undefined && expiresAt > nowMs;
    },
    remember(peerId, nonce, nowMs) {
      const slot = slotFor(peerId, nowMs);
      const key = toHex(nonceFingerprint(peerId, nonce));
      if (slot.has(key)) return;
      if (slot.size >= maxPerPeer) {
        const oldest = slot.keys().next().value;
        if (oldest !== undefined) {
          slot.delete(oldest);
          entries -= 1;
          evicted += 1;
        }
      }
      slot.set(key, nowMs + ttlMs);
      entries += 1;
    },
    stats: () => ({ peers: slots.size, entries, evicted }),
  };
}
