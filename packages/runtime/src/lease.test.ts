import type { Lease } from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { sleep, systemClock } from './clock.js';
import { runLeaseLoop, type LeaseLostReason, type LeaseStore, type LeaseWrite } from './lease.js';
import { silentLog } from './logger.js';

/** An in-memory store with KV revision semantics (one global sequence, CAS on the last one). */
function memoryStore() {
  let seq = 0;
  const entries = new Map<string, { revision: number; value: unknown }>();
  const write = (key: string, value: unknown): LeaseWrite => {
    seq += 1;
    entries.set(key, { revision: seq, value });
    return { ok: true, revision: seq };
  };
  const conflict: LeaseWrite = { ok: false, reason: 'conflict' };
  const store: LeaseStore = {
    read: (key) => Promise.resolve(entries.get(key) ?? null),
    create: (key, value: Lease) => {
      const current = entries.get(key);
      const live = current !== undefined && current.value !== undefined;
      return Promise.resolve(live ? conflict : write(key, value));
    },
    update: (key, value: Lease, revision) =>
      Promise.resolve(entries.get(key)?.revision === revision ? write(key, value) : conflict),
    remove: (key, revision) =>
      Promise.resolve(entries.get(key)?.revision === revision ? write(key, undefined) : conflict),
  };
  return { store, entries, put: write };
}

/** Wraps a store so that every call can be held (simulates a paused or partitioned contender). */
function pausable(inner: LeaseStore) {
  let gate: Promise<void> | undefined;
  let open: () => void = () => undefined;
  const wait = async (): Promise<void> => {
    if (gate !== undefined) await gate;
  };
  const store: LeaseStore = {
    read: async (key) => (await wait(), inner.read(key)),
    create: async (key, value) => (await wait(), inner.create(key, value)),
    update: async (key, value, rev) => (await wait(), inner.update(key, value, rev)),
    remove: async (key, rev) => (await wait(), inner.remove(key, rev)),
  };
  return {
    store,
    pause: () => {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    resume: () => {
      gate = undefined;
      open();
    },
  };
}

type Events = { at: number; who: string; what: 'acquired' | LeaseLostReason }[];

function contender(store: LeaseStore, who: string, events: Events, ttlMs = 400) {
  const controller = new AbortController();
  const done = runLeaseLoop(
    {
      kv: store,
      role: 'auditor',
      holder: who,
      ttlMs,
      renewEveryMs: 100,
      marginMs: 80,
      clock: systemClock,
      log: silentLog,
      onAcquired: () => events.push({ at: Date.now(), who, what: 'acquired' }),
      onLost: (reason) => events.push({ at: Date.now(), who, what: reason }),
    },
    controller.signal,
  );
  return { stop: () => controller.abort(), done };
}

function holders(events: Events): Set<string> {
  const now = new Set<string>();
  for (const e of events) {
    if (e.what === 'acquired') now.add(e.who);
    else now.delete(e.who);
  }
  return now;
}

describe('runLeaseLoop (in-memory store)', () => {
  it('two contenders: exactly one holds; stopping it releases and the other takes over', async () => {
    const { store, entries } = memoryStore();
    const events: Events = [];
    const a = contender(store, 'svc/auditor/a', events);
    const b = contender(store, 'svc/auditor/b', events);
    await sleep(600);
    expect(holders(events).size).toBe(1);
    const [first] = [...holders(events)];
    const winner = first === 'svc/auditor/a' ? a : b;
    const stoppedAt = Date.now();
    winner.stop();
    await winner.done;
    await sleep(300);
    const now = holders(events);
    expect(now.size).toBe(1);
    expect(now.has(first ?? '')).toBe(false);
    const takeover = events.find((e) => e.what === 'acquired' && e.who !== first);
    expect((takeover?.at ?? Infinity) - stoppedAt).toBeLessThan(400);
    expect(events.some((e) => e.who === first && e.what === 'released')).toBe(true);
    (first === 'svc/auditor/a' ? b : a).stop();
    await Promise.all([a.done, b.done]);
    expect(entries.get('auditor')?.value).toBeUndefined();
  });

  it('a holder that cannot renew learns it lost before the other acquires', async () => {
    const { store } = memoryStore();
    const gated = pausable(store);
    const events: Events = [];
    const a = contender(gated.store, 'a', events);
    await sleep(150);
    expect(holders(events)).toEqual(new Set(['a']));
    const b = contender(store, 'b', events);
    gated.pause();
    await sleep(700);
    const lost = events.find((e) => e.who === 'a' && e.what === 'expired');
    const acquired = events.find((e) => e.who === 'b' && e.what === 'acquired');
    expect(lost).toBeDefined();
    expect(acquired).toBeDefined();
    expect(lost?.at ?? Infinity).toBeLessThan(acquired?.at ?? 0);
    // When it comes back it sees b's lease and stays a standby.
    gated.resume();
    await sleep(250);
    expect(holders(events)).toEqual(new Set(['b']));
    a.stop();
    b.stop();
    await Promise.all([a.done, b.done]);
  });

  it('takes over a lease whose holder vanished, and a malformed value', async () => {
    const { store, put } = memoryStore();
    put('auditor', { holder: 'ghost', expires_at: new Date(Date.now() + 200).toISOString() });
    const events: Events = [];
    const c = contender(store, 'c', events);
    await sleep(100);
    expect(holders(events).size).toBe(0);
    await sleep(300);
    expect(holders(events)).toEqual(new Set(['c']));
    c.stop();
    await c.done;

    const garbage = memoryStore();
    garbage.put('auditor', { nonsense: true });
    const events2: Events = [];
    const d = contender(garbage.store, 'd', events2);
    await sleep(100);
    expect(holders(events2)).toEqual(new Set(['d']));
    d.stop();
    await d.done;
  });

  it('loses to a writer that sneaks in and keeps going through store errors', async () => {
    const { store, put } = memoryStore();
    let failing = false;
    const flaky: LeaseStore = {
      ...store,
      read: async (key) => {
        if (failing) throw new Error('nats down');
        return store.read(key);
      },
    };
    const events: Events = [];
    const e = contender(flaky, 'e', events, 1_000);
    await sleep(150);
    expect(holders(events)).toEqual(new Set(['e']));
    put('auditor', { holder: 'intruder', expires_at: new Date(Date.now() + 5_000).toISOString() });
    await sleep(200);
    expect(events.at(-1)).toMatchObject({ who: 'e', what: 'taken' });
    failing = true;
    await sleep(250);
    failing = false;
    put('auditor', undefined);
    await sleep(250);
    expect(holders(events)).toEqual(new Set(['e']));
    e.stop();
    await e.done;
  });

  it('survives throwing callbacks', async () => {
    const { store } = memoryStore();
    const controller = new AbortController();
    const errors: string[] = [];
    const done = runLeaseLoop(
      {
        kv: store,
        role: 'r',
        holder: 'h',
        ttlMs: 400,
        renewEveryMs: 100,
        clock: systemClock,
        log: { ...silentLog, error: (_o, msg) => errors.push(msg) },
        onAcquired: () => {
          throw new Error('acquired bug');
        },
        onLost: () => {
          throw new Error('lost bug');
        },
      },
      controller.signal,
    );
    await sleep(150);
    controller.abort();
    await done;
    expect(errors).toEqual(['lease acquired callback failed', 'lease lost callback failed']);
  });

  it('refuses a holder that is not an agent id', async () => {
    const { store } = memoryStore();
    await expect(
      runLeaseLoop(
        {
          kv: store,
          role: 'r',
          holder: '../bad',
          ttlMs: 1_000,
          renewEveryMs: 100,
          clock: systemClock,
          log: silentLog,
          onAcquired: () => undefined,
          onLost: () => undefined,
        },
        new AbortController().signal,
      ),
    ).rejects.toThrow(/invalid holder/);
  });

  it('refuses inconsistent timing', async () => {
    const { store } = memoryStore();
    await expect(
      runLeaseLoop(
        {
          kv: store,
          role: 'r',
          holder: 'h',
          ttlMs: 1_000,
          renewEveryMs: 900,
          clock: systemClock,
          log: silentLog,
          onAcquired: () => undefined,
          onLost: () => undefined,
        },
        new AbortController().signal,
      ),
    ).rejects.toThrow(/lease_renew_interval_invalid/);
  });
});
