import { generateKeyPairSync, sign } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createVerifyPool, type VerifyItem, type VerifyPool } from './verify-pool.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const raw = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url'));

/** The identity point: as key, with R = identity and S = 0, OpenSSL alone accepts any body. */
const IDENTITY = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0));

function item(
  n: number,
  tamper: 'none' | 'body' | 'sig' | 'key' | 'short' | 'small-order',
): VerifyItem {
  const body = new TextEncoder().encode(`record ${String(n)}`);
  if (tamper === 'small-order') {
    const forged = new Uint8Array(64);
    forged.set(IDENTITY);
    return { publicKey: IDENTITY, body, signature: forged };
  }
  const signature = new Uint8Array(sign(null, body, privateKey));
  if (tamper === 'body') return { publicKey: raw, body: new Uint8Array([...body, 1]), signature };
  if (tamper === 'sig') {
    const bad = signature.slice();
    bad[0] = (bad[0] ?? 0) ^ 0xff;
    return { publicKey: raw, body, signature: bad };
  }
  if (tamper === 'key') return { publicKey: new Uint8Array(31), body, signature };
  if (tamper === 'short') return { publicKey: raw, body, signature: signature.slice(0, 63) };
  return { publicKey: raw, body, signature };
}

const KINDS = ['none', 'body', 'sig', 'key', 'short', 'small-order'] as const;

describe('verify pool', () => {
  let pool: VerifyPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('gives the same answers in the worker as inline, for good and tampered signatures', async () => {
    const items = Array.from({ length: 100 }, (_, i) => item(i, KINDS[i % KINDS.length] ?? 'none'));
    const want = items.map((_, i) => i % KINDS.length === 0);
    pool = createVerifyPool({ minBatch: 8 });
    expect(await pool.warm()).toBe(true);
    expect(await pool.verify(items)).toEqual(want);
    expect(await pool.verify(items.slice(0, 5))).toEqual(want.slice(0, 5));
    const inlineOnly = createVerifyPool({ minBatch: 1_000 });
    try {
      expect(await inlineOnly.verify(items)).toEqual(want);
    } finally {
      await inlineOnly.close();
    }
  });

  it('answers concurrent batches each with its own results, and inline after close', async () => {
    const running = createVerifyPool({ size: 2, minBatch: 1 });
    pool = running;
    expect(await running.warm()).toBe(true);
    const batches = Array.from({ length: 6 }, (_, b) =>
      Array.from({ length: 20 }, (_, i) => item(b * 20 + i, (b + i) % 3 === 0 ? 'sig' : 'none')),
    );
    const results = await Promise.all(batches.map((batch) => running.verify(batch)));
    for (const [b, result] of results.entries()) {
      expect(result).toEqual(Array.from({ length: 20 }, (_, i) => (b + i) % 3 !== 0));
    }
    await running.close();
    expect(await running.verify([item(1, 'none'), item(2, 'body')])).toEqual([true, false]);
  });

  it('never makes a batch wait for a worker to boot: the first answers inline at once', async () => {
    const items = Array.from({ length: 50 }, (_, i) => item(i, i % 2 === 0 ? 'none' : 'sig'));
    const running = createVerifyPool({ minBatch: 4 });
    pool = running;
    let first: boolean[] | undefined;
    void running.verify(items).then((r) => {
      first = r;
    });
    // An inline answer is an already-settled promise; a worker's needs a message (a macrotask).
    await Promise.resolve();
    await Promise.resolve();
    expect(first).toEqual(items.map((_, i) => i % 2 === 0));
    expect(await running.warm()).toBe(true);
    expect(await running.verify(items)).toEqual(first);
  });

  it('warm answers false once closed', async () => {
    const closedPool = createVerifyPool();
    await closedPool.close();
    expect(await closedPool.warm()).toBe(false);
  });
});
