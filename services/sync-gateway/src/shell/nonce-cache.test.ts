import { NONCE_TTL_MS } from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { createNonceCache } from './nonce-cache.js';

const T0 = 1_900_000_000_000;

describe('createNonceCache', () => {
  it('remembers a nonce per peer for the TTL', () => {
    const cache = createNonceCache();
    expect(cache.has('a', 'n1', T0)).toBe(false);
    cache.remember('a', 'n1', T0);
    expect(cache.has('a', 'n1', T0)).toBe(true);
    expect(cache.has('a', 'n1', T0 + NONCE_TTL_MS - 1)).toBe(true);
    expect(cache.has('a', 'n1', T0 + NONCE_TTL_MS)).toBe(false);
    expect(cache.has('b', 'n1', T0)).toBe(false);
    expect(cache.has('a', 'n2', T0)).toBe(false);
  });

  it('keeps the first expiry when a nonce is remembered again', () => {
    const cache = createNonceCache({ ttlMs: 1_000 });
    cache.remember('a', 'n', T0);
    cache.remember('a', 'n', T0 + 900);
    expect(cache.has('a', 'n', T0 + 999)).toBe(true);
    expect(cache.has('a', 'n', T0 + 1_000)).toBe(false);
    expect(cache.stats().entries).toBe(1);
  });

  it('drops expired entries as the peer is touched', () => {
    const cache = createNonceCache({ ttlMs: 1_000 });
    cache.remember('a', 'n1', T0);
    cache.remember('a', 'n2', T0 + 500);
    cache.remember('a', 'n3', T0 + 1_200);
    expect(cache.stats().entries).toBe(2);
    expect(cache.has('a', 'n2', T0 + 1_200)).toBe(true);
    expect(cache.stats().evicted).toBe(0);
  });

  it('drops the oldest nonce of a full peer slot, and only that peer', () => {
    const cache = createNonceCache({ maxPerPeer: 3 });
    cache.remember('b', 'keep', T0);
    for (const n of ['n1', 'n2', 'n3', 'n4']) cache.remember('a', n, T0);
    expect(cache.has('a', 'n1', T0)).toBe(false);
    expect(cache.has('a', 'n4', T0)).toBe(true);
    expect(cache.has('b', 'keep', T0)).toBe(true);
    expect(cache.stats()).toEqual({ peers: 2, entries: 4, evicted: 1 });
  });

  it('drops the least recently used peer slot when there are too many peers', () => {
    const cache = createNonceCache({ maxPeers: 2 });
    cache.remember('a', 'n', T0);
    cache.remember('b', 'n', T0);
    cache.remember('a', 'm', T0);
    cache.remember('c', 'n', T0);
    expect(cache.has('b', 'n', T0)).toBe(false);
    expect(cache.has('a', 'n', T0)).toBe(true);
    expect(cache.has('c', 'n', T0)).toBe(true);
    expect(cache.stats()).toEqual({ peers: 2, entries: 3, evicted: 1 });
  });

  it('keys by peer and nonce without confusing concatenations', () => {
    const cache = createNonceCache();
    cache.remember('ab', 'c', T0);
    expect(cache.has('a', 'bc', T0)).toBe(false);
  });

  it('refuses non-positive bounds', () => {
    expect(() => createNonceCache({ ttlMs: 0 })).toThrow(RangeError);
    expect(() => createNonceCache({ maxPerPeer: 0 })).toThrow(RangeError);
    expect(() => createNonceCache({ maxPeers: -1 })).toThrow(RangeError);
  });
});
