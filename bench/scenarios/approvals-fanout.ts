import { randomBytes } from 'node:crypto';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { loadavg } from 'node:os';
import { ApprovalRequestReplySchema, publicKeyFromSeed, signApproval } from '@fedplane/core';
import {
  BucketName,
  FixedSubject,
  connectBus,
  request,
  seedCredentialSigner,
  watchTrustBundle,
  type Log,
} from '@fedplane/messaging';
import { createTestDatabase, startNatsServer, startTestIssuer, withPool } from '@fedplane/testkit';
import { startApprovals } from '../../services/approvals/src/shell/start-approvals.js';
import { percentile } from '../load.js';
import { machineDescription, round, type BenchResult } from '../report.js';

/**
 * `approvals-fanout` (operations.md, Benchmarks): decision → SSE delivery latency with 1,000
 * subscribers on one approvals instance (in-process, real nats-server and Postgres, real HTTP
 * sockets). Each round asks for an approval over `fed.approvals.request`, then POSTs a signed
 * decision; the latency of one delivery is the time from sending the POST to that subscriber
 * parsing the `approval_decided` frame. Figures: `p99_ms_1000` (and p50, max) over every
 * delivery of every measured round (after two warm-up rounds). Subscribers, server and NATS
 * share the machine, so the figure includes the clients' own parsing. The design names no
 * baseline for this scenario.
 *
 * Environment: `BENCH_SUBSCRIBERS` (default 1000), `BENCH_ROUNDS` (default 20), `DATABASE_URL`.
 */

const SILENT: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};
const API_KEY = 'bench-api-key-0123456789abcdef';
const SECRET = 'bench-hmac-secret-0123456789';
const REQUESTER = 'svc/reconciler/bench';
/** Unmeasured rounds first (JIT, connection pools). */
const WARMUP_ROUNDS = 2;

type Client = { readonly req: ClientRequest; onFrame: (id: string) => void };

function openClient(url: string, onFrame: (id: string) => void): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client: Client = {
      onFrame,
      req: httpRequest(
        `${url}/api/v1/approvals/stream`,
        {
          agent: false,
          headers: { accept: 'text/event-stream', 'x-api-key': API_KEY, 'x-agent-id': REQUESTER },
        },
        (res) => {
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let end = buffer.indexOf('\n\n');
            while (end >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              if (block.startsWith('event: approval_decided\n')) {
                const data = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as {
                  pending_id: string;
                };
                client.onFrame(data.pending_id);
              }
              end = buffer.indexOf('\n\n');
            }
          });
          res.on('error', () => undefined);
          resolve(client);
        },
      ),
    };
    client.req.on('error', reject);
    client.req.end();
  });
}

/** Runs the scenario. */
export async function run(): Promise<BenchResult> {
  const subscribers = Number(process.env['BENCH_SUBSCRIBERS'] ?? 1_000);
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 20);
  const nats = await startNatsServer();
  const db = await createTestDatabase();
  const bus = await connectBus({ servers: nats.url, name: 'bench-approvals', log: SILENT });
  const pool = withPool(db.url, 12);
  pool.on('error', () => undefined);
  const issuer = await startTestIssuer({ nc: bus.nc });
  const trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), { log: SILENT });
  await trust.ready;
  const seed = new Uint8Array(randomBytes(32));
  const agentId = 'svc/approvals/bench-1';
  const credential = issuer.issue(agentId, publicKeyFromSeed(seed));
  const instance = await startApprovals({
    bus,
    pool,
    signer: seedCredentialSigner({ agentId, seed, credential: () => credential.header }),
    trust,
    settings: {
      defaultTimeoutS: 3_600,
      sessionTtlMs: 3_600_000,
      configuredRules: [],
      sweepIntervalMs: 60_000,
      leaseTtlMs: 10_000,
      sseBufferFrames: 1_024,
      keepaliveMs: 15_000,
    },
    apiKeys: [API_KEY],
    hmacSecret: SECRET,
    log: SILENT,
    instance: 'bench-1',
    ui: false,
    http: { port: 0, host: '127.0.0.1' },
  });
  const url = `http://127.0.0.1:${String(instance.port)}`;
  const latencies: number[] = [];
  const clients: Client[] = [];
  try {
    let current = '';
    let sentAt = 0;
    let received = 0;
    let roundDone: () => void = () => undefined;
    let measuring = false;
    const onFrame = (id: string): void => {
      if (id !== current) return;
      if (measuring) latencies.push(performance.now() - sentAt);
      received += 1;
      if (received === subscribers) roundDone();
    };
    for (let i = 0; i < subscribers; i += 50) {
      const batch = Math.min(50, subscribers - i);
      clients.push(
        ...(await Promise.all(Array.from({ length: batch }, () => openClient(url, onFrame)))),
      );
    }
    while (instance.hub.stats().subscribers < subscribers) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (let round = -WARMUP_ROUNDS; round < rounds; round += 1) {
      const { pending_id: id } = await request(
        bus.nc,
        FixedSubject.approvalsRequest,
        {
          action_type: 'decommission_node',
          namespace: 'bench/fanout',
          requested_by: REQUESTER,
          payload: {},
        },
        { schema: ApprovalRequestReplySchema },
      );
      const body = JSON.stringify({ decision: 'approve' });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const done = new Promise<void>((resolve, reject) => {
        roundDone = resolve;
        setTimeout(() => reject(new Error(`round ${String(round)} incomplete`)), 60_000).unref();
      });
      current = id;
      measuring = round >= 0;
      received = 0;
      sentAt = performance.now();
      const res = await fetch(`${url}/api/v1/approvals/${id}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-ai-memory-signature': signApproval({ secret: SECRET, timestamp, pendingId: id, body }),
          'x-ai-memory-timestamp': timestamp,
          'x-agent-id': `ops/bench-${String(round + WARMUP_ROUNDS)}`,
        },
        body,
      });
      if (res.status !== 200) throw new Error(`decision refused: ${String(res.status)}`);
      await done;
    }
  } finally {
    for (const c of clients) c.req.destroy();
    await instance.stop();
    await trust.stop();
    await issuer.stop();
    await bus.close();
    await pool.end();
    await db.drop();
    await nats.stop();
  }
  const sorted = [...latencies].sort((x, y) => x - y);
  return {
    scenario: 'approvals-fanout',
    at: new Date().toISOString(),
    machine: machineDescription(),
    figures: {
      p99_ms_1000: { value: round(percentile(sorted, 99), 2), unit: 'ms' },
      p50_ms_1000: { value: round(percentile(sorted, 50), 2), unit: 'ms' },
      max_ms_1000: { value: round(sorted[sorted.length - 1] ?? Number.NaN, 2), unit: 'ms' },
    },
    baseline: null,
    ratio: null,
    params: {
      subscribers,
      rounds,
      warmup_rounds: WARMUP_ROUNDS,
      deliveries: latencies.length,
      sse_buffer: 1_024,
      load_avg_1m: round(loadavg()[0] ?? 0, 2),
    },
  };
}
