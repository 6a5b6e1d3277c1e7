import { BucketName, ensureKv, fedBuckets } from '@fedplane/messaging';
import {
  natsLeaseStore,
  runLeaseLoop,
  silentLog,
  sleep,
  systemClock,
  type LeaseLostReason,
  type LeaseStore,
} from '@fedplane/runtime';
import {
  connectNats,
  jetstreamManager,
  startNatsServer,
  type NatsConnection,
  type NatsServerHandle,
} from '@fedplane/testkit';
import { Kvm, type KV } from '@nats-io/kv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Leader leases on a real nats-server: `fed-leases` created by the messaging declarations, each
 * contender on its own connection, CAS on the KV revision.
 */

const TTL_MS = 2_000;
const RENEW_MS = 400;
const MARGIN_MS = 400;

let server: NatsServerHandle;
const connections: NatsConnection[] = [];
const loops: { stop: () => void; done: Promise<void> }[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  const admin = await connect();
  const jsm = await jetstreamManager(admin);
  await ensureKv(
    jsm,
    fedBuckets().filter((b) => b.bucket === BucketName.leases),
  );
});

afterAll(async () => {
  for (const loop of loops) loop.stop();
  await Promise.allSettled(loops.map((l) => l.done));
  await Promise.allSettled(connections.map((nc) => nc.close()));
  await server.stop();
});

async function connect(): Promise<NatsConnection> {
  const nc = await connectNats(server.url);
  connections.push(nc);
  return nc;
}

async function bucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).open(BucketName.leases);
}

type Event = { at: number; who: string; what: 'acquired' | LeaseLostReason };

function contend(store: LeaseStore, role: string, who: string, events: Event[]) {
  const controller = new AbortController();
  const done = runLeaseLoop(
    {
      kv: store,
      role,
      holder: who,
      ttlMs: TTL_MS,
      renewEveryMs: RENEW_MS,
      marginMs: MARGIN_MS,
      clock: systemClock,
      log: silentLog,
      onAcquired: () => events.push({ at: Date.now(), who, what: 'acquired' }),
      onLost: (reason) => events.push({ at: Date.now(), who, what: reason }),
    },
    controller.signal,
  );
  const loop = { stop: () => controller.abort(), done };
  loops.push(loop);
  return loop;
}

function holders(events: readonly Event[]): string[] {
  const now = new Set<string>();
  for (const e of events) {
    if (e.what === 'acquired') now.add(e.who);
    else now.delete(e.who);
  }
  return [...now];
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

async function storedHolder(kv: KV, role: string): Promise<string | undefined> {
  const entry = await kv.get(role);
  if (entry === null || entry.operation !== 'PUT') return undefined;
  return entry.json<{ holder: string }>().holder;
}

describe('leases in fed-leases', () => {
  it('two contenders: exactly one holder; stopping it hands over within one TTL', async () => {
    const events: Event[] = [];
    const [ncA, ncB] = [await connect(), await connect()];
    const a = contend(natsLeaseStore(await bucket(ncA)), 'auditor', 'svc/auditor/a', events);
    const b = contend(natsLeaseStore(await bucket(ncB)), 'auditor', 'svc/auditor/b', events);
    await until(() => holders(events).length === 1, 5_000);
    // Several renew periods later there is still exactly one, and it is the one in the KV.
    await sleep(3 * RENEW_MS);
    expect(holders(events)).toHaveLength(1);
    expect(events.filter((e) => e.what === 'acquired')).toHaveLength(1);
    const [first] = holders(events);
    const kv = await bucket(await connect());
    expect(await storedHolder(kv, 'auditor')).toBe(first);

    const [holderLoop, standby] =
      first === 'svc/auditor/a' ? [a, 'svc/auditor/b'] : [b, 'svc/auditor/a'];
    const stoppedAt = Date.now();
    holderLoop.stop();
    await holderLoop.done;
    await until(() => holders(events).includes(standby), TTL_MS);
    const takeover = events.find((e) => e.who === standby && e.what === 'acquired');
    expect((takeover?.at ?? Infinity) - stoppedAt).toBeLessThan(TTL_MS);
    expect(holders(events)).toEqual([standby]);
    expect(events.some((e) => e.who === first && e.what === 'released')).toBe(true);
    expect(await storedHolder(kv, 'auditor')).toBe(standby);
  });

  it('a holder that vanishes without releasing is taken over once its lease expires', async () => {
    const events: Event[] = [];
    const ncA = await connect();
    contend(natsLeaseStore(await bucket(ncA)), 'reconciler', 'svc/reconciler/a', events);
    await until(() => holders(events).length === 1, 5_000);
    contend(
      natsLeaseStore(await bucket(await connect())),
      'reconciler',
      'svc/reconciler/b',
      events,
    );
    await sleep(RENEW_MS);
    // Crash: the connection goes away, the loop can no longer renew (or release).
    const crashedAt = Date.now();
    await ncA.close();
    await until(() => holders(events).includes('svc/reconciler/b'), 2 * TTL_MS);
    const takeover = events.find((e) => e.who === 'svc/reconciler/b' && e.what === 'acquired');
    const lost = events.find((e) => e.who === 'svc/reconciler/a' && e.what === 'expired');
    // Within one TTL of the last renewal (which was at most one renew period before the crash).
    expect((takeover?.at ?? Infinity) - crashedAt).toBeLessThan(TTL_MS + RENEW_MS);
    expect(lost).toBeDefined();
    expect(lost?.at ?? Infinity).toBeLessThan(takeover?.at ?? 0);
  });

  it('a holder that cannot renew in time learns it lost before another acts', async () => {
    const events: Event[] = [];
    const real = natsLeaseStore(await bucket(await connect()));
    // The holder's store can be paused: every call then hangs until resumed (a GC pause,
    // SIGSTOP or a partition from its point of view). The NATS server itself is untouched.
    let gate: Promise<void> | undefined;
    let resume: () => void = () => undefined;
    const hold = async (): Promise<void> => {
      if (gate !== undefined) await gate;
    };
    const paused: LeaseStore = {
      read: async (key) => (await hold(), real.read(key)),
      create: async (key, value) => (await hold(), real.create(key, value)),
      update: async (key, value, revision) => (await hold(), real.update(key, value, revision)),
      remove: async (key, revision) => (await hold(), real.remove(key, revision)),
    };
    contend(paused, 'sweeper', 'svc/approvals/a', events);
    await until(() => holders(events).length === 1, 5_000);
    contend(natsLeaseStore(await bucket(await connect())), 'sweeper', 'svc/approvals/b', events);
    gate = new Promise((resolve) => {
      resume = resolve;
    });
    await until(() => holders(events).includes('svc/approvals/b'), 2 * TTL_MS);
    const lost = events.find((e) => e.who === 'svc/approvals/a' && e.what === 'expired');
    const acquired = events.find((e) => e.who === 'svc/approvals/b' && e.what === 'acquired');
    expect(lost).toBeDefined();
    // The paused holder was told before the other could act, by at least most of the margin.
    expect((acquired?.at ?? 0) - (lost?.at ?? Infinity)).toBeGreaterThan(MARGIN_MS / 2);
    expect(holders(events)).toEqual(['svc/approvals/b']);
    // Resumed, its stale renewal loses the CAS race: it stays a standby.
    gate = undefined;
    resume();
    await sleep(3 * RENEW_MS);
    expect(holders(events)).toEqual(['svc/approvals/b']);
    expect(events.filter((e) => e.who === 'svc/approvals/a' && e.what === 'acquired')).toHaveLength(
      1,
    );
  });
});
