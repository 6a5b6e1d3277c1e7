import { Worker } from 'node:worker_threads';
import { verifyEd25519 } from '@fedplane/core';

/**
 * Ed25519 verification of received records off the event loop: a worker thread verifies a whole
 * micro-batch while the main thread keeps serving pushes, acks and Postgres — on a gateway
 * catching up, signature checks are most of the CPU, and under a steady push load they are a
 * fifth of the main thread's (measured: sync-quorum N=3 gains ~10% writes/s with minBatch 4
 * over 64 — the second core has room while the event loop is the bottleneck). Batches under
 * `minBatch` (default 4) are verified inline: one record alone costs less than the round trip. The worker runs
 * node:crypto's Ed25519 with the same strictness as core `verifyEd25519` (wrong lengths or a key
 * that does not import → false). A worker that fails is replaced by inline verification.
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
  close(): Promise<void>;
};

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map();
function key(raw) {
  const id = Buffer.from(raw).toString('base64');
  if (keys.has(id)) return keys.get(id);
  let k = null;
  try {
    if (raw.byteLength === 32) k = createPublicKey({ key: Buffer.concat([SPKI, raw]), format: 'der', type: 'spki' });
  } catch { k = null; }
  if (keys.size >= 4096) keys.clear();
  keys.set(id, k);
  return k;
}
parentPort.on('message', ({ id, items }) => {
  const results = items.map((item) => {
    if (item.signature.byteLength !== 64) return false;
    const k = key(item.publicKey);
    if (k === null) return false;
    try { return verify(null, item.body, k, item.signature); } catch { return false; }
  });
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
  const workers: Worker[] = [];

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
    for (let i = 0; i < size; i += 1) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
      worker.unref();
      worker.on('message', (message: { id: number; results: boolean[] }) => {
        const p = pending.get(message.id);
        pending.delete(message.id);
        p?.resolve(message.results);
      });
      const lost = (): void => {
        const at = workers.indexOf(worker);
        if (at >= 0) workers.splice(at, 1);
        failAll();
      };
      worker.on('error', lost);
      worker.on('exit', lost);
      workers.push(worker);
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
    close: async () => {
      closed = true;
      await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
      failAll();
    },
  };
}
