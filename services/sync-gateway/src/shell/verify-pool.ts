import { Worker } from 'node:worker_threads';
import { ed25519Backend, verifyEd25519 } from '@fedplane/core';

/**
 * Ed25519 verification of received records off the event loop: a worker thread verifies a whole
 * micro-batch while the main thread keeps serving pushes, acks and Postgres — on a gateway
 * catching up, signature checks are most of the CPU, and under a steady push load they are a
 * fifth of the main thread's (measured: sync-quorum N=3 gains ~10% writes/s with minBatch 4
 * over 64 — the second core has room while the event loop is the bottleneck). Batches under
 * `minBatch` (default 4) are verified inline: one record alone costs less than the round trip.
 * The worker loads the same libsodium addon core `verifyEd25519` uses (its path from
 * `ed25519Backend()`), so both answer alike; where the addon does not load, core falls back to
 * node:crypto with libsodium's refusals and every batch is verified inline. A worker that fails
 * is replaced by inline verification. No batch waits for a worker to boot (a new isolate and the
 * addon take tens of ms): batches are verified inline until the worker says it is ready.
 */

/** One signature to check. */
export type VerifyItem = {
  readonly publicKey: Uint8Array;
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
};

/** A pool of verification workers. */
export type VerifyPool = {
  /** One boolean per item: does the signature verify? */
  verify(items: readonly VerifyItem[]): Promise<boolean[]>;
  /**
   * Starts the workers if they are not yet; resolves true once one is ready for batches, false
   * when batches will stay inline (no addon, every worker failed, or closed).
   */
  warm(): Promise<boolean>;
  close(): Promise<void>;
};

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const sodium = require(workerData.modulePath);
parentPort.postMessage({ ready: true });
parentPort.on('message', ({ id, items }) => {
  const results = items.map((item) =>
    item.signature.byteLength === 64 &&
    item.publicKey.byteLength === 32 &&
    sodium.crypto_sign_verify_detached(item.signature, item.body, item.publicKey));
  parentPort.postMessage({ id, results });
});
`;

type Pending = { resolve(results: boolean[]): void; items: readonly VerifyItem[] };

function inline(items: readonly VerifyItem[]): boolean[] {
  return items.map((item) => verifyEd25519(item.publicKey, item.body, item.signature));
}

/** Starts a pool of `size` workers (default 1). */
export function createVerifyPool(options: { size?: number; minBatch?: number } = {}): VerifyPool {
  const minBatch = options.minBatch ?? 4;
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let turn = 0;
  let closed = false;
  /** Workers ready for batches. */
  const workers: Worker[] = [];
  /** Every worker started (ready or still spawned), for close. */
  const spawned: Worker[] = [];

  /** Callers of warm() waiting for the first ready worker (or for none to be possible). */
  let readyWaiters: ((ready: boolean) => void)[] = [];
  const settleReady = (ready: boolean): void => {
    const waiters = readyWaiters;
    readyWaiters = [];
    for (const resolve of waiters) resolve(ready);
  };

  const failAll = (): void => {
    for (const [id, p] of pending) {
      pending.delete(id);
      p.resolve(inline(p.items));
    }
  };

  const size = Math.max(1, options.size ?? 1);
  let started = false;
  // Workers start on the first batch big enough to need them (a gateway that only serves small
  // pushes never pays for a second V8 isolate). `execArgv: []`: the worker runs plain
  // JavaScript, so it must not inherit the parent's loaders (tsx would add tens of MB per worker).
  const start = (): void => {
    started = true;
    const { modulePath } = ed25519Backend();
    if (modulePath === undefined) return;
    for (let i = 0; i < size; i += 1) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        execArgv: [],
        workerData: { modulePath },
      });
      worker.unref();
      worker.on('message', (message: { ready: true } | { id: number; results: boolean[] }) => {
        if ('ready' in message) {
          if (!closed) workers.push(worker);
          settleReady(!closed);
          return;
        }
        const p = pending.get(message.id);
        pending.delete(message.id);
        p?.resolve(message.results);
      });
      const lost = (): void => {
        const at = workers.indexOf(worker);
        if (at >= 0) workers.splice(at, 1);
        const boot = spawned.indexOf(worker);
        if (boot >= 0) spawned.splice(boot, 1);
        failAll();
        if (spawned.length === 0) settleReady(false);
      };
      worker.on('error', lost);
      worker.on('exit', lost);
      spawned.push(worker);
    }
  };

  return {
    verify: (items) => {
      if (!started && !closed && items.length >= minBatch) start();
      const worker = workers[turn % Math.max(1, workers.length)];
      turn += 1;
      if (closed || worker === undefined || items.length < minBatch) {
        return Promise.resolve(inline(items));
      }
      const id = nextId;
      nextId += 1;
      return new Promise<boolean[]>((resolve) => {
        pending.set(id, { resolve, items });
        worker.postMessage({ id, items });
      });
    },
    warm: () => {
      if (!started && !closed) start();
      if (workers.length > 0) return Promise.resolve(true);
      if (closed || spawned.length === 0) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => readyWaiters.push(resolve));
    },
    close: async () => {
      closed = true;
      settleReady(false);
      workers.length = 0;
      await Promise.all(spawned.splice(0).map((worker) => worker.terminate()));
      failAll();
    },
  };
}
