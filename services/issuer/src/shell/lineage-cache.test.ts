import { describe, expect, it } from 'vitest';
import type { Registration } from '../core/registration.js';
import { createLineageCache } from './lineage-cache.js';

const REG: Registration = {
  nodeId: 'node-1',
  status: 'enrolled',
  region: null,
  attestor: 'join-token',
  generation: 3,
  credTtlS: null,
  lastCredentialId: 'a'.repeat(64),
  prevCredentialId: null,
  lastNotAfter: 100,
  lastReply: '{"credential":"v1=…"}',
  lastPresentedAtMs: null,
};

describe('createLineageCache', () => {
  it('remembers a registration per credential id, without the stored reply', () => {
    const cache = createLineageCache();
    expect(cache.has('x')).toBe(false);
    cache.remember('x', REG);
    expect(cache.has('x')).toBe(true);
    expect(cache.get('x')).toEqual({ ...REG, lastReply: null });
    cache.forget('x');
    expect(cache.get('x')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the oldest entries beyond its bound; remembering again refreshes', () => {
    const cache = createLineageCache(3);
    for (const id of ['a', 'b', 'c']) cache.remember(id, REG);
    cache.remember('a', { ...REG, generation: 4 });
    cache.remember('d', REG);
    expect(cache.size).toBe(3);
    expect(cache.has('b')).toBe(false);
    expect(cache.get('a')?.generation).toBe(4);
    expect(['a', 'c', 'd'].every((id) => cache.has(id))).toBe(true);
  });
});
