import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { loadavg } from 'node:os';
import {
  getHead,
  readEvents,
  verifyStoredChain,
  type StoredAuditEvent,
} from '@fedplane/audit-store';
import { publicKeyFromSeed } from '@fedplane/core';
import {
  BucketName,
  connectBus,
  newEventStamp,
  publishEvent,
  seedCredentialSigner,
  watchTrustBundle,
  type CredentialSigner,
  type Log,
} from '@fedplane/messaging';
import { systemClock } from '@fedplane/runtime';
import {
  createTestDatabase,
  startNatsServer,
  startTestIssuer,
  withPool,
  type TestIssuer,
} from '@fedplane/testkit';
import type { Pool } from 'pg';
import { prepareAuditor } from '../../services/auditor/src/shell/prepare.js';
import { startAuditor } from '../../services/auditor/src/shell/start-auditor.js';
import { cpuSnapshot, intEnv, pidsMatching, type CpuRoles } from '../processes.js';
import { machineDescription, round, type BenchResult } from '../report.js';

/**
 * `audit-ingest` (operations.md, Benchmarks): events/s appended and chained through the real
 * path — N signed events from 4 emitters stored in `FED_EVENTS` on a real nats-server, then the
 * auditor (in-process, default settings) pulling them from its durable consumer, verifying every
 * signature, chaining and appending in batches, acking — measured from its first committed row
 * until the chain holds N rows. Same-run baseline: the same N rows (as stored, hashes included)
 * written by plain batched INSERTs (same statement shape, same batch size, one transaction per
 * batch) into a plain table with the same columns and no indexes or triggers. Extra figures: the
 * same INSERTs into a copy with audit_events' indexes, one INSERT statement per row (same
 * transactions), a full chain verification, the auditor process's CPU per event (main
 * thread + signature thread pool; insensitive to other load on the machine), the CPU per event of
 * the whole system (auditor + nats-server + the database's backends) with the rate two otherwise
 * idle cores would sustain at that cost, and one raw Ed25519 verify on this thread — the floor of
 * the design's one verify per event.
 *
 * Environment: `BENCH_EVENTS` (default 20000), `BENCH_BATCH` (default 500), `DATABASE_URL`.
 */

const SILENT: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

const INSERT_COLUMNS = `(seq, event_id, type, actor, subject, at, body, body_hash, signature, signer,
  attest_level, prev_hash, entry_hash, stream_seq)`;
const UNNEST = `SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
  $6::text[], $7::bytea[], $8::bytea[], $9::bytea[], $10::text[], $11::text[], $12::bytea[],
  $13::bytea[], $14::bigint[])`;

function emitter(issuer: TestIssuer, agentId: string): CredentialSigner {
  const seed = new Uint8Array(randomBytes(32));
  const credential = issuer.issue(agentId, publicKeyFromSeed(seed));
  return seedCredentialSigner({ agentId, seed, credential: () => credential.header });
}

async function publishAll(
  js: Parameters<typeof publishEvent>[0],
  signers: readonly CredentialSigner[],
  total: number,
): Promise<void> {
  const per = Math.ceil(total / signers.length);
  let left = total;
  await Promise.all(
    signers.map(async (signer) => {
      const mine = Math.min(per, left);
      left -= mine;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < mine) {
          next += 1;
          await publishEvent(js, signer, {
            ...newEventStamp(),
            type: 'bench.happened',
            actor: signer.agentId,
            data: { n: next, note: 'audit-ingest benchmark event' },
          });
        }
      };
      await Promise.all(Array.from({ length: 64 }, worker));
    }),
  );
}

/** Polls the head until it holds `total` rows; rate from the first committed row on. */
async function measureIngest(
  pool: Pool,
  total: number,
): Promise<{ eventsPerS: number; ms: number }> {
  let firstAt: number | undefined;
  let firstSize = 0;
  const deadline = Date.now() + 600_000;
  for (;;) {
    const { size } = await getHead(pool);
    const now = performance.now();
    if (firstAt === undefined && size > 0) {
      firstAt = now;
      firstSize = size;
    }
    if (size >= total && firstAt !== undefined) {
      const ms = now - firstAt;
      return { eventsPerS: ((size - firstSize) / ms) * 1000, ms };
    }
    if (Date.now() > deadline) throw new Error(`chain stuck at ${size} of ${total}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function storedRows(pool: Pool, total: number): Promise<StoredAuditEvent[]> {
  const rows: StoredAuditEvent[] = [];
  while (rows.length < total) {
    const page = await readEvents(pool, { afterSeq: rows.at(-1)?.seq ?? 0, limit: 10_000 });
    if (page.length === 0) break;
    rows.push(...page);
  }
  return rows;
}

/** Plain batched INSERTs of `rows` into `table`, one transaction per batch; rows/s. */
async function insertRate(
  pool: Pool,
  table: string,
  rows: readonly StoredAuditEvent[],
  batch: number,
): Promise<number> {
  const client = await pool.connect();
  try {
    const started = performance.now();
    for (let i = 0; i < rows.length; i += batch) {
      const chunk = rows.slice(i, i + batch);
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${table} ${INSERT_COLUMNS} ${UNNEST}`, [
        chunk.map((r) => r.seq),
        chunk.map((r) => r.event_id),
        chunk.map((r) => r.type),
        chunk.map((r) => r.actor),
        chunk.map((r) => r.subject),
        chunk.map((r) => r.at),
        chunk.map((r) => r.body),
        chunk.map((r) => r.body_hash),
        chunk.map((r) => r.signature),
        chunk.map((r) => r.signer),
        chunk.map((r) => r.attest_level),
        chunk.map((r) => r.prev_hash),
        chunk.map((r) => r.entry_hash),
        chunk.map((r) => r.stream_seq),
      ]);
      await client.query('COMMIT');
    }
    return (rows.length / (performance.now() - started)) * 1000;
  } finally {
    client.release();
  }
}

const SINGLE_INSERT = `INSERT INTO bench_single ${INSERT_COLUMNS}
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`;

/** One INSERT statement per row, `batch` rows per transaction, into a plain table; rows/s. */
async function singleInsertRate(
  pool: Pool,
  rows: readonly StoredAuditEvent[],
  batch: number,
): Promise<number> {
  const client = await pool.connect();
  try {
    const started = performance.now();
    for (let i = 0; i < rows.length; i += batch) {
      await client.query('BEGIN');
      for (const r of rows.slice(i, i + batch)) {
        await client.query(SINGLE_INSERT, [
          r.seq,
          r.event_id,
          r.type,
          r.actor,
          r.subject,
          r.at,
          r.body,
          r.body_hash,
          r.signature,
          r.signer,
          r.attest_level,
          r.prev_hash,
          r.entry_hash,
          r.stream_seq,
        ]);
      }
      await client.query('COMMIT');
    }
    return (rows.length / (performance.now() - started)) * 1000;
  } finally {
    client.release();
  }
}

/** Microseconds per Ed25519 verify of a 300-byte body with a cached key, on this thread. */
function rawVerifyMicros(): number {
  const keys = generateKeyPairSync('ed25519');
  const body = randomBytes(300);
  const signature = sign(null, body, keys.privateKey);
  const rounds = 4_000;
  const started = performance.now();
  for (let i = 0; i < rounds; i += 1) verify(null, body, keys.publicKey, signature);
  return ((performance.now() - started) * 1000) / rounds;
}

/** Runs the scenario. */
export async function run(): Promise<BenchResult> {
  const total = intEnv('BENCH_EVENTS', 20_000);
  const batch = intEnv('BENCH_BATCH', 500);
  const emitters = 4;
  // Other work on the machine skews every figure but the CPU per event: record how busy it was.
  const loadAtStart = loadavg()[0] ?? 0;
  const nats = await startNatsServer({ useNatsUrl: false });
  const db = await createTestDatabase({ prefix: 'fp_bench' });
  const bus = await connectBus({ servers: nats.url, name: 'bench-audit-ingest', log: SILENT });
  const pool = withPool(db.url, 8);
  pool.on('error', () => undefined);
  try {
    await prepareAuditor({ jsm: bus.jsm, pool, log: SILENT });
    const issuer = await startTestIssuer({ nc: bus.nc });
    const trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), { log: SILENT });
    await trust.ready;
    const signers = Array.from({ length: emitters }, (_, i) =>
      emitter(issuer, `region/bench/node-${i + 1}`),
    );
    process.stderr.write(`publishing ${total} signed events…\n`);
    await publishAll(bus.js, signers, total);

    process.stderr.write('auditor ingesting…\n');
    const auditor = await startAuditor({
      bus,
      pool,
      signer: emitter(issuer, 'svc/auditor/bench'),
      trust,
      settings: { batch, batchWaitMs: 20, checkpointIntervalMs: 10_000, leaseTtlMs: 10_000 },
      clock: systemClock,
      log: SILENT,
    });
    const backends = (): number[] => pidsMatching(['postgres:', new URL(db.url).pathname.slice(1)]);
    const roles: CpuRoles = {
      nats: pidsMatching(['nats-server', `-p ${String(nats.port)}`]),
      postgres: backends(),
    };
    const cpuBefore = cpuSnapshot(roles);
    const ingest = await measureIngest(pool, total);
    const cpuAfter = cpuSnapshot({
      ...roles,
      postgres: [...new Set([...(roles['postgres'] ?? []), ...backends()])],
    });
    await auditor.stop();
    // CPU per event of this process (the auditor: main thread and the verification worker),
    // nats-server and the database's backends: independent of what else the machine runs.
    const msPerEvent = (role: string): number =>
      ((cpuAfter[role] ?? 0) - (cpuBefore[role] ?? 0)) / total;
    const cpuMsPerEvent = msPerEvent('client');
    const systemMsPerEvent = cpuMsPerEvent + msPerEvent('nats') + msPerEvent('postgres');
    // The floor the design sets: one Ed25519 verify per event (cached key, 300-byte body).
    const verifyUs = rawVerifyMicros();

    const verifyStarted = performance.now();
    const verified = await verifyStoredChain(pool);
    const verifyPerS = (total / (performance.now() - verifyStarted)) * 1000;
    if (
      !verified.ok ||
      verified.report.first_break !== null ||
      verified.report.signature_failures.length > 0
    ) {
      throw new Error('the benchmark chain does not verify');
    }

    process.stderr.write('baseline: plain batched INSERT of the same rows…\n');
    const rows = await storedRows(pool, total);
    await pool.query('CREATE TABLE bench_plain (LIKE audit_events INCLUDING DEFAULTS)');
    await pool.query('CREATE TABLE bench_indexed (LIKE audit_events INCLUDING ALL)');
    const plain = await insertRate(pool, 'bench_plain', rows, batch);
    const indexed = await insertRate(pool, 'bench_indexed', rows, batch);
    await pool.query('CREATE TABLE bench_single (LIKE audit_events INCLUDING DEFAULTS)');
    const single = await singleInsertRate(pool, rows, batch);
    await trust.stop();
    await issuer.stop();

    return {
      scenario: 'audit-ingest',
      at: new Date().toISOString(),
      machine: machineDescription(),
      figures: {
        events_per_s: { value: round(ingest.eventsPerS), unit: 'events/s' },
        insert_with_audit_indexes_rows_per_s: { value: round(indexed), unit: 'rows/s' },
        insert_one_row_per_statement_rows_per_s: { value: round(single), unit: 'rows/s' },
        verify_rows_per_s: { value: round(verifyPerS), unit: 'rows/s' },
        auditor_cpu_ms_per_event: { value: round(cpuMsPerEvent, 3), unit: 'ms/event' },
        system_cpu_ms_per_event: { value: round(systemMsPerEvent, 3), unit: 'ms/event' },
        cpu_bound_events_per_s_two_cores: {
          value: round(2000 / systemMsPerEvent),
          unit: 'events/s',
        },
        raw_ed25519_verify_us: { value: round(verifyUs, 1), unit: 'µs' },
      },
      baseline: {
        name: 'plain batched INSERT of the same rows (same columns, no indexes or triggers)',
        value: round(plain),
        unit: 'rows/s',
      },
      ratio: round(ingest.eventsPerS / plain, 3),
      params: {
        events: total,
        emitters,
        batch,
        batch_wait_ms: 20,
        ingest_ms: round(ingest.ms),
        cpu_ms_per_event_by_process: {
          auditor: round(cpuMsPerEvent, 3),
          nats: round(msPerEvent('nats'), 3),
          postgres: round(msPerEvent('postgres'), 3),
        },
        auditor: 'in-process, one instance; events pre-published to FED_EVENTS',
        nats: 'spawned nats-server 2.9, JetStream file storage',
        postgres: 'DATABASE_URL server, fresh database',
        load_average_at_start: round(loadAtStart, 2),
      },
    };
  } finally {
    await bus.close();
    await pool.end();
    await db.drop();
    await nats.stop();
  }
}
