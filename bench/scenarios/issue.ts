import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  CredentialReplySchema,
  ed25519Backend,
  EnrollReplySchema,
  publicKeyFromSeed,
  signEd25519,
  signRenewPop,
  toBase64,
  verifyEd25519,
  type CredentialReply,
} from '@fedplane/core';
import { FixedSubject, connectBus, errorFromReply, request, type Log } from '@fedplane/messaging';
import {
  TEST_SERVICE_SECRET,
  createTestDatabase,
  startNatsServer,
  withPool,
} from '@fedplane/testkit';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Pool } from 'pg';
import { machineDescription, round, type BenchResult } from '../report.js';
import {
  cpuSnapshot,
  intEnv,
  pidsMatching,
  startServiceProcess,
  type CpuRoles,
  type ServiceProcess,
} from '../processes.js';

/**
 * `issue` (operations.md, Benchmarks): renewals/s end to end through NATS with audit. Real
 * `services/issuer` processes (queue group `q`, one Postgres database) and a real auditor
 * process (so every issuance is verified and chained); N enrolled nodes each renew in a loop by
 * proof of possession over `fed.issuer.renew`, concurrently. `renewals_per_s` counts replies;
 * `audited_renewals_per_s` runs until the auditor has chained every `credential.issued` of the
 * run. Same-run baseline: the Ed25519 operations one audited renewal needs (client PoP sign,
 * issuer credential + PoP verify, credential + event sign, auditor event verify: 3 signs and 3
 * verifies) done back to back on one core with cached KeyObjects, as renewals/s; the two-core
 * bound is reported beside it. Because the machine is shared, the CPU each process of the system
 * (issuers, auditor, the database's backends, nats-server, this client) spent per renewal is
 * measured from /proc too, with the rate two otherwise idle cores would sustain at that cost.
 *
 * Environment: `BENCH_NODES` (default 400), `BENCH_RENEWALS` (default 12000), `BENCH_ISSUERS`
 * (default 1: on 2 cores one instance is cheaper per renewal than two — each instance skips the
 * database read and the credential check only for credentials it signed itself — measured
 * 1.25 vs 1.54 CPU ms per renewal), `BENCH_CPU_PROF` (directory: issuer processes write
 * `--cpu-prof` profiles).
 */

const DOMAIN = 'fleet.bench';

const SILENT: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

/** A node of the benchmark: its key seed and the credential it holds. */
export type BenchNode = { readonly id: string; seed: Uint8Array; held: CredentialReply };

/** Enrolls and attests `count` nodes (ids `<prefix>-<i>`), `parallel` at a time. */
export async function enrollNodes(
  nc: NatsConnection,
  input: { readonly prefix: string; readonly count: number; readonly ttlS?: number },
): Promise<BenchNode[]> {
  const nodes: BenchNode[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < input.count) {
      next += 1;
      const id = `${input.prefix}-${String(next)}`;
      const enrolled = await request(
        nc,
        FixedSubject.issuerEnroll,
        { node_id: id, ...(input.ttlS === undefined ? {} : { ttl_s: input.ttlS }) },
        { schema: EnrollReplySchema },
      );
      const seed = new Uint8Array(randomBytes(32));
      const held = await request(
        nc,
        FixedSubject.issuerAttest,
        {
          node_id: id,
          public_key: toBase64(publicKeyFromSeed(seed)),
          attestation: { type: 'join_token', token: enrolled.join_token },
        },
        { schema: CredentialReplySchema },
      );
      nodes.push({ id, seed, held });
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return nodes;
}

/** One renewal of `node` by proof of possession; the node holds the new credential after. */
export async function renewOnce(nc: NatsConnection, node: BenchNode): Promise<void> {
  const nonce = randomBytes(12).toString('base64url');
  const ts = Math.floor(Date.now() / 1000);
  const credential = node.held.credential;
  const pop = signRenewPop(node.seed, { credential, newPublicKey: '', nonce, ts });
  const body = {
    credential,
    ...(node.held.chain === undefined ? {} : { chain: node.held.chain }),
    nonce,
    ts,
    pop,
  };
  // The load generator shares the 2 cores: a shape check, not a full schema parse.
  const msg = await nc.request(FixedSubject.issuerRenew, JSON.stringify(body), { timeout: 30_000 });
  const failed = errorFromReply(msg);
  if (failed !== undefined) throw failed;
  const reply = JSON.parse(new TextDecoder().decode(msg.data)) as CredentialReply;
  if (typeof reply.credential !== 'string') throw new Error('not a credential reply');
  node.held = reply;
}

/** Renews every node `rounds` times (each node's renewals in sequence); returns ms taken. */
async function renewAll(nc: NatsConnection, nodes: readonly BenchNode[], total: number) {
  let left = total;
  const started = performance.now();
  await Promise.all(
    nodes.map(async (node) => {
      while (left > 0) {
        left -= 1;
        await renewOnce(nc, node);
      }
    }),
  );
  return performance.now() - started;
}

async function countIssued(pool: Pool): Promise<number> {
  const r = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM audit_events WHERE type = 'credential.issued'`,
  );
  return Number(r.rows[0]?.n ?? 0);
}

async function waitAudited(pool: Pool, expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await countIssued(pool).catch(() => 0);
    if (n >= expected) return;
    if (Date.now() > deadline) throw new Error(`audit chain holds ${n} of ${expected} issuances`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const CRYPTO_WORK = `
const { parentPort, workerData } = require('node:worker_threads');
const sodium = require(workerData.modulePath);
function pair() {
  const pk = new Uint8Array(32); const sk = new Uint8Array(64);
  sodium.crypto_sign_seed_keypair(pk, sk, crypto.getRandomValues(new Uint8Array(32)));
  return { pk, sk };
}
const a = pair(); const b = pair();
const msg = new Uint8Array(workerData.bytes).fill(7);
const s1 = new Uint8Array(64); const s2 = new Uint8Array(64); const s3 = new Uint8Array(64);
let n = 0; const started = performance.now();
while (performance.now() - started < workerData.ms) {
  sodium.crypto_sign_detached(s1, msg, a.sk); sodium.crypto_sign_verify_detached(s1, msg, a.pk);
  sodium.crypto_sign_detached(s2, msg, b.sk); sodium.crypto_sign_verify_detached(s2, msg, b.pk);
  sodium.crypto_sign_detached(s3, msg, a.sk); sodium.crypto_sign_verify_detached(s3, msg, a.pk);
  n += 1;
}
parentPort.postMessage(n / ((performance.now() - started) / 1000));
`;

/** Renewal-equivalents/s of raw Ed25519 work (3 signs + 3 verifies) on `threads` threads. */
async function rawCryptoRate(threads: number, ms: number): Promise<number> {
  const rates = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(CRYPTO_WORK, {
            eval: true,
            workerData: { bytes: 300, ms, modulePath: sodiumPath() },
          });
          w.once('message', (rate: number) => resolve(rate));
          w.once('error', reject);
        }),
    ),
  );
  return rates.reduce((a, b) => a + b, 0);
}

/** Runs the scenario. */
export async function run(): Promise<BenchResult> {
  const nodeCount = intEnv('BENCH_NODES', 400);
  const total = intEnv('BENCH_RENEWALS', 12_000);
  const issuers = intEnv('BENCH_ISSUERS', 1);
  const profDir = process.env['BENCH_CPU_PROF'];
  const loadAtStart = loadavg()[0] ?? 0;
  const nats = await startNatsServer({ useNatsUrl: false });
  const db = await createTestDatabase({ prefix: 'fp_bench' });
  const pool = withPool(db.url, 2);
  pool.on('error', () => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'fedplane-bench-issue-'));
  const secrets = join(dir, 'service-secrets.json');
  const secretHash = createHash('sha256').update(TEST_SERVICE_SECRET).digest('hex');
  writeFileSync(secrets, JSON.stringify({ auditor: secretHash }), { mode: 0o600 });
  const common = { NATS_URL: nats.url, DATABASE_URL: db.url, HEALTH_PORT: '0', LOG_LEVEL: 'warn' };
  const procs: ServiceProcess[] = [];
  const bus = await connectBus({ servers: nats.url, name: 'bench-issue', log: SILENT });
  try {
    for (let i = 1; i <= issuers; i += 1) {
      const args = profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`];
      const p = startServiceProcess(
        'issuer',
        {
          ...common,
          LOG_LEVEL: 'info',
          INSTANCE_ID: `bench-${String(i)}`,
          ISSUER_TRUST_DOMAIN: DOMAIN,
          ISSUER_KEY_DIR: join(dir, 'keys'),
          ISSUER_SERVICE_SECRETS_FILE: secrets,
        },
        args,
      );
      procs.push(p);
      // The first instance creates the key and the bundle; the others load them.
      await p.logged('issuer started');
    }
    const auditor = startServiceProcess('auditor', {
      ...common,
      LOG_LEVEL: 'info',
      INSTANCE_ID: 'bench',
      SERVICE_SECRET: TEST_SERVICE_SECRET,
    });
    procs.push(auditor);
    await auditor.logged('auditor started');

    process.stderr.write(`enrolling ${nodeCount} nodes…\n`);
    const nodes = await enrollNodes(bus.nc, { prefix: 'bench/node', count: nodeCount });
    await renewAll(bus.nc, nodes, nodeCount); // warm-up: one renewal per node
    const before = nodeCount * 2; // attest + warm-up renewal
    await waitAudited(pool, before, 120_000);

    process.stderr.write(`${total} renewals through ${issuers} issuer process(es)…\n`);
    const dbName = new URL(db.url).pathname.slice(1);
    const roles: CpuRoles = {
      issuer: procs.slice(0, issuers).map((p) => p.child.pid ?? 0),
      auditor: [auditor.child.pid ?? 0],
      postgres: pidsMatching(['postgres:', dbName]),
      nats: pidsMatching(['nats-server', `-p ${new URL(nats.url).port}`]),
    };
    const cpuBefore = cpuSnapshot(roles);
    const started = performance.now();
    const ms = await renewAll(bus.nc, nodes, total);
    await waitAudited(pool, before + total, 300_000);
    const auditedMs = performance.now() - started;
    const cpuAfter = cpuSnapshot(roles);
    const cpuPerRenewal: Record<string, number> = {};
    for (const role of Object.keys(cpuAfter)) {
      cpuPerRenewal[role] = round(((cpuAfter[role] ?? 0) - (cpuBefore[role] ?? 0)) / total, 3);
    }
    const cpuTotal = Object.values(cpuPerRenewal).reduce((a, b) => a + b, 0);
    const renewalsPerS = (total / ms) * 1000;

    process.stderr.write('baseline: raw Ed25519 for the same work…\n');
    const oneCore = await rawCryptoRate(1, 2_000);
    const twoCores = await rawCryptoRate(2, 2_000);
    const signPerS = measure(() => signEd25519(SEED, BODY));
    const verifyPerS = measure(() => verifyEd25519(KEY, BODY, SIG));

    return {
      scenario: 'issue',
      at: new Date().toISOString(),
      machine: machineDescription(),
      figures: {
        renewals_per_s: { value: round(renewalsPerS), unit: 'renewals/s' },
        audited_renewals_per_s: { value: round((total / auditedMs) * 1000), unit: 'renewals/s' },
        raw_two_core_bound: { value: round(twoCores), unit: 'renewals/s' },
        cpu_ms_per_renewal: { value: round(cpuTotal, 3), unit: 'ms/renewal' },
        cpu_bound_renewals_per_s_two_cores: {
          value: round(2000 / cpuTotal),
          unit: 'renewals/s',
        },
        raw_ed25519_sign_per_s: { value: round(signPerS), unit: 'ops/s' },
        raw_ed25519_verify_per_s: { value: round(verifyPerS), unit: 'ops/s' },
      },
      baseline: {
        name: 'raw Ed25519 for one audited renewal (3 signs + 3 verifies), one core',
        value: round(oneCore),
        unit: 'renewals/s',
      },
      ratio: round(renewalsPerS / oneCore, 3),
      params: {
        nodes: nodeCount,
        renewals: total,
        issuer_processes: issuers,
        auditor: 'one process, default settings',
        renew_ms: round(ms),
        audited_ms: round(auditedMs),
        ratio_to_two_core_bound: round(renewalsPerS / twoCores, 3),
        cpu_ms_per_renewal_by_process: cpuPerRenewal,
        nats: 'spawned nats-server, JetStream file storage',
        postgres: 'DATABASE_URL server, fresh database',
        load_average_at_start: round(loadAtStart, 2),
      },
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await bus.close();
    await pool.end();
    await db.drop();
    await nats.stop();
  }
}

const SEED = new Uint8Array(32).fill(11);
const KEY = publicKeyFromSeed(SEED);
const BODY = new Uint8Array(300);
const SIG = signEd25519(SEED, BODY);

/** The libsodium addon the services sign and verify with: the baseline does the same work. */
function sodiumPath(): string {
  const { modulePath } = ed25519Backend();
  if (modulePath === undefined) throw new Error('the libsodium addon (sodium-native) did not load');
  return modulePath;
}

function measure(op: () => void): number {
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < 500) {
    op();
    n += 1;
  }
  return (n / (performance.now() - started)) * 1000;
}
