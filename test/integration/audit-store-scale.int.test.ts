import type { Pool, QueryResultRow } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { issueCredential, publicKeyFromSeed, signEd25519, utf8 } from '@fedplane/core';
import {
  appendEvents,
  migrate,
  verifyStoredChain,
  type Log,
  type NewAuditEvent,
  type Queryable,
} from '@fedplane/audit-store';
import { createTestDatabase, withPool, type TestDatabase } from '@fedplane/testkit';

const silentLog: Log = { info() {}, warn() {}, error() {}, debug() {} };

const ISSUER_SEED = new Uint8Array(32).fill(41);
const NODE_SEED = new Uint8Array(32).fill(42);
const issued = issueCredential({
  issuerSeed: ISSUER_SEED,
  issuerId: 'root-1',
  trustDomain: 'example.test',
  subjectAgentId: 'node-a',
  subjectPubkey: publicKeyFromSeed(NODE_SEED),
  nowS: 1_700_000_000,
  ttlS: 3600,
});
if (!issued.ok) throw new Error('fixture credential not issued');
const NODE_CREDENTIAL = issued.value.header;

/** A credential-signed event of realistic size (~350 bytes). */
function signedEvent(id: string, streamSeq: number): NewAuditEvent {
  const at = '2025-03-04T05:06:07.890Z';
  const body = utf8(
    JSON.stringify({
      id,
      type: 'node.status_reported',
      actor: 'node-a',
      subject: 'node-a',
      at,
      data: { posture: 'healthy', version: '1.2.3', region: 'eu-west', evidence: ['tpm', 'os'] },
    }),
  );
  return {
    event_id: id,
    type: 'node.status_reported',
    actor: 'node-a',
    subject: 'node-a',
    at,
    body,
    signature: signEd25519(NODE_SEED, body),
    signer: NODE_CREDENTIAL,
    attest_level: 'credential_signed',
    stream_seq: streamSeq,
  };
}

function batchOf(prefix: string, n: number, firstStreamSeq = 1): NewAuditEvent[] {
  return Array.from({ length: n }, (_, i) => signedEvent(`${prefix}-${i}`, firstStreamSeq + i));
}

const pools: Pool[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.allSettled(pools.map((p) => p.end()));
  await Promise.allSettled(databases.map((d) => d.drop()));
});

async function migrated(max: number): Promise<Pool> {
  const db = await createTestDatabase();
  databases.push(db);
  const pool = withPool(db.url, max);
  pools.push(pool);
  await migrate(pool, { log: silentLog, auditorRole: false });
  return pool;
}

describe('concurrent appenders', () => {
  it('four appenders of disjoint batches build one gapless chain that verifies', async () => {
    const pool = await migrated(8);
    const appenders = ['p', 'q', 'r', 's'];
    const batches = 5;
    const perBatch = 100;
    const results = await Promise.all(
      appenders.map(async (name) => {
        const seqs: number[] = [];
        for (let b = 0; b < batches; b += 1) {
          const result = await appendEvents(pool, batchOf(`${name}${b}`, perBatch));
          expect(result.skipped).toEqual([]);
          seqs.push(...result.appended.map((r) => r.seq));
        }
        return seqs;
      }),
    );
    const total = appenders.length * batches * perBatch;
    const all = results.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Each appender's events keep its own order.
    for (const seqs of results) expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const stats = await pool.query<{ n: string; lo: string; hi: string; links: string }>(
      `SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi,
              count(*) FILTER (WHERE prev_hash = lag) AS links
       FROM (SELECT seq, prev_hash, lag(entry_hash) OVER (ORDER BY seq) AS lag FROM audit_events) x`,
    );
    expect(stats.rows[0]).toEqual({
      n: String(total),
      lo: '1',
      hi: String(total),
      links: String(total - 1),
    });
    const verified = await verifyStoredChain(pool, { pageSize: 300 });
    expect(verified).toEqual({
      ok: true,
      report: {
        rows_checked: total,
        first_break: null,
        signature_failures: [],
        checkpoint: 'none',
      },
    });
  });

  it('four appenders of the same batch append it exactly once', async () => {
    const pool = await migrated(8);
    const batch = batchOf('same', 50);
    const results = await Promise.all([1, 2, 3, 4].map(() => appendEvents(pool, batch)));
    expect(results.map((r) => r.appended.length).sort()).toEqual([0, 0, 0, 50]);
    for (const r of results) expect(r.appended.length + r.skipped.length).toBe(50);
    const heads = new Set(results.map((r) => JSON.stringify(r.head)));
    expect(heads.size).toBe(1);
    const count = await pool.query<{ n: string }>('SELECT count(*) AS n FROM audit_events');
    expect(count.rows[0]!.n).toBe('50');
  });
});

describe('throughput and bounded verification', () => {
  it('appends 20,000 events in batches of 500 and verifies them page by page', async () => {
    const pool = await migrated(4);
    const batchSize = 500;
    const batches = Array.from({ length: 40 }, (_, b) =>
      batchOf(`t${b}`, batchSize, b * batchSize + 1),
    );
    const total = batchSize * batches.length;

    const started = performance.now();
    for (const batch of batches) await appendEvents(pool, batch);
    const appendMs = performance.now() - started;
    console.log(
      `audit-store append: ${total} events in ${appendMs.toFixed(0)} ms = ${Math.round((total / appendMs) * 1000)} events/s (batches of ${batchSize})`,
    );

    // Count the statements the walk runs and the rows each returns: it must page.
    const counted: { text: string; rows: number }[] = [];
    const countingDb: Queryable = {
      async query<R extends QueryResultRow>(text: string, values?: unknown[]) {
        const result = await pool.query<R>(text, values);
        counted.push({ text, rows: result.rows.length });
        return result;
      },
    };
    const progress: number[] = [];
    const heapBefore = process.memoryUsage().heapUsed;
    const verifyStarted = performance.now();
    const verified = await verifyStoredChain(countingDb, {
      pageSize: 1000,
      onProgress: (p) => progress.push(p.rows_checked),
    });
    const verifyMs = performance.now() - verifyStarted;
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    console.log(
      `audit-store verify: ${total} rows in ${verifyMs.toFixed(0)} ms = ${Math.round((total / verifyMs) * 1000)} rows/s, heap growth ${heapGrowthMb.toFixed(1)} MiB`,
    );
    expect(verified).toEqual({
      ok: true,
      report: {
        rows_checked: total,
        first_break: null,
        signature_failures: [],
        checkpoint: 'none',
      },
    });
    const pages = counted.filter((q) => q.text.includes('ORDER BY seq LIMIT'));
    expect(pages.length).toBe(total / 1000);
    expect(Math.max(...pages.map((q) => q.rows))).toBe(1000);
    expect(counted.length).toBe(pages.length + 1); // + the walk's end seq
    expect(progress).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 1000));
  });
});
