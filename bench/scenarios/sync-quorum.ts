import { loadavg } from 'node:os';
import { utf8 } from '@fedplane/core';
import { StreamName } from '@fedplane/messaging';
import {
  makeNode,
  memory,
  pushBody,
  startSyncWorld,
  startTestGateway,
  type SyncWorld,
  type TestGateway,
} from '../../test/integration/sync-fixtures.js';
import { startCpuMeter, intEnv, pidsMatching, type CpuRoles } from '../processes.js';
import { drive, percentile } from '../load.js';
import { machineDescription, round, type BenchResult } from '../report.js';
import { measureSyncFloor } from './sync-floor.js';
import { httpQuorumRun } from './sync-quorum-http.js';

/**
 * `sync-quorum` (operations.md, Benchmarks): accepted writes/s and push latency (p50/p99) through
 * the real engine — N in-process gateways (real nats-server, real Postgres, one database), W = 2,
 * `BENCH_CONCURRENCY` concurrent clients each pushing one record per request through gateway
 * `i mod N`, every push waiting for quorum. N = 3, then N = 3 from `BENCH_LOW_CONCURRENCY`
 * (default 8) clients, then N = 3 as deployed (`sync-quorum-http.ts`: three gateway processes,
 * ai-memory-shaped signed HTTP pushes), then N = 10. Same-run baseline: raw awaited
 * JetStream publishes of the same record bytes with the same concurrency (msgs/s). Because the
 * machine is shared and every gateway runs on this process's one event loop, the CPU each part
 * (this process: all gateways and the clients; nats-server; the database's backends) spent per
 * write is read from /proc too, with the rate two otherwise idle cores would sustain at that cost.
 *
 * Environment: `BENCH_WRITES` (default 4000), `BENCH_CONCURRENCY` (default 64),
 * `BENCH_LOW_CONCURRENCY` (default 8; that run makes half as many writes), `BENCH_FLOOR_ROWS`
 * (default 10: the rows per upsert statement the N=3 run's gateways reach, ~12,000 applies in
 * ~1,200 statements when counted), `BENCH_WARMUP` (default 4000, as many as are measured: writes
 * each run's new gateways take first, at the run's concurrency, before anything is counted — a
 * gateway serves for days, so its steady state is measured, not a new process's JIT tier-up, first
 * pulls and worker boot (after a 1,000-write warm-up, the next 4,000 writes still cost ~25% more
 * CPU than a second run's in the same process); the warm-up's own p99 is kept in
 * `params.warmup_*`).
 *
 * After the N=3 run, the same writes are done raw (`sync-floor.ts`: the signature and verifies,
 * the publish and the N consumers' deliveries and acks, the N upserts) to show how much of the
 * CPU per write is the design's own work on this machine and what rate it alone would allow.
 */

async function quorumRun(
  world: SyncWorld,
  options: { n: number; writes: number; warmup: number; concurrency: number; tag: string },
) {
  const gateways: TestGateway[] = [];
  // New gateways consume the stream from its start: each run starts from an empty one, so its
  // CPU per write is its own writes' (not a replay of the previous run's).
  await world.bus.jsm.streams.purge(StreamName.sync);
  try {
    for (let i = 0; i < options.n; i += 1) {
      gateways.push(
        await startTestGateway(world, makeNode(world, `${options.tag}-${String(i)}`), {
          quorum: 2,
          timeoutMs: 5_000,
        }),
      );
    }
    let missed = 0;
    const push = async (i: number, id: string): Promise<void> => {
      const gateway = gateways[i % gateways.length];
      if (gateway === undefined) return;
      const outcome = await gateway.engine.push(
        pushBody('bench', [memory(id, new Date().toISOString())]) as never,
        { peerId: 'bench', verified: true },
      );
      if (outcome.kind !== 'quorum_met') missed += 1;
    };
    // Warm-up through the same gateways, not counted: JIT, pool connections, the verify worker's
    // boot and the consumers' first pulls are a new process's, not the steady state's.
    const warm = await drive(options.warmup, options.concurrency, (i) =>
      push(i, `${options.tag}-warm-${String(i)}`),
    );
    const warmupMissed = missed;
    missed = 0;
    const backends = (): number[] =>
      pidsMatching(['postgres:', new URL(world.db.url).pathname.slice(1)]);
    const roles: CpuRoles = {
      nats: pidsMatching(['nats-server', `-p ${new URL(world.nats.url).port}`]),
      postgres: backends(),
    };
    const meter = startCpuMeter(roles);
    const result = await drive(options.writes, options.concurrency, (i) =>
      push(i, `${options.tag}-w-${String(i)}`),
    );
    // Backends the pools opened during the run count from zero; closed ones are left out.
    const used = meter.used({ ...roles, postgres: backends() });
    const usPerWrite: Record<string, number> = {};
    for (const role of Object.keys(used)) {
      usPerWrite[role === 'client' ? 'gateways' : role] = round(
        ((used[role] ?? 0) * 1000) / options.writes,
      );
    }
    const totalUs = Object.values(usPerWrite).reduce((a, b) => a + b, 0);
    const warmup = {
      writes: options.warmup,
      p99_ms: round(percentile(warm.latencies, 99), 2),
      quorum_missed: warmupMissed,
    };
    return { ...result, missed, usPerWrite, totalUs, warmup };
  } finally {
    for (const gateway of gateways) await gateway.close();
  }
}

/** Runs the scenario. */
export async function run(): Promise<BenchResult> {
  const writes = intEnv('BENCH_WRITES', 4_000);
  const concurrency = intEnv('BENCH_CONCURRENCY', 64);
  const lowConcurrency = intEnv('BENCH_LOW_CONCURRENCY', 8);
  const floorRows = intEnv('BENCH_FLOOR_ROWS', 10);
  const warmup = intEnv('BENCH_WARMUP', 4_000);
  const world = await startSyncWorld();
  const loadBefore = loadavg()[0] ?? 0;
  try {
    process.stderr.write('baseline: raw awaited JetStream publish…\n');
    const body = utf8(JSON.stringify(memory('baseline', new Date().toISOString())));
    const baseline = await drive(writes, concurrency, async (i) => {
      await world.bus.js.publish('fed.sync.rec.baseline', body, { msgID: `baseline:${String(i)}` });
    });
    process.stderr.write('N=3, W=2…\n');
    const n3 = await quorumRun(world, { n: 3, writes, warmup, concurrency, tag: 'n3' });
    process.stderr.write('N=3 floor: the same writes, raw…\n');
    const floor = await measureSyncFloor(world, {
      gateways: 3,
      writes,
      concurrency,
      rowsPerStatement: floorRows,
    });
    // The same N=3 load from few clients (the reference's capacity runs used 8): latency when
    // the gateways are not saturated, and the CPU a write costs when little can be batched.
    process.stderr.write(`N=3, W=2, ${String(lowConcurrency)} clients…\n`);
    const n3low = await quorumRun(world, {
      n: 3,
      writes: Math.max(lowConcurrency, Math.floor(writes / 2)),
      warmup,
      concurrency: lowConcurrency,
      tag: 'n3low',
    });
    process.stderr.write('N=3, W=2, as deployed: gateway processes, signed HTTP pushes…\n');
    const http = await httpQuorumRun(world, { writes, warmup, concurrency });
    process.stderr.write('N=10, W=2…\n');
    const n10 = await quorumRun(world, { n: 10, writes, warmup, concurrency, tag: 'n10' });
    return {
      scenario: 'sync-quorum',
      at: new Date().toISOString(),
      machine: machineDescription(),
      figures: {
        writes_per_s_n3: { value: round(n3.perS), unit: 'writes/s' },
        p50_ms_n3: { value: round(percentile(n3.latencies, 50), 2), unit: 'ms' },
        p99_ms_n3: { value: round(percentile(n3.latencies, 99), 2), unit: 'ms' },
        cpu_us_per_write_n3: { value: round(n3.totalUs), unit: 'µs/write' },
        cpu_bound_writes_per_s_n3_two_cores: { value: round(2e6 / n3.totalUs), unit: 'writes/s' },
        floor_cpu_us_per_write_n3: { value: floor.totalUs, unit: 'µs/write' },
        floor_bound_writes_per_s_n3_two_cores: {
          value: round(2e6 / floor.totalUs),
          unit: 'writes/s',
        },
        writes_per_s_n3_low_concurrency: { value: round(n3low.perS), unit: 'writes/s' },
        p50_ms_n3_low_concurrency: {
          value: round(percentile(n3low.latencies, 50), 2),
          unit: 'ms',
        },
        p99_ms_n3_low_concurrency: {
          value: round(percentile(n3low.latencies, 99), 2),
          unit: 'ms',
        },
        cpu_us_per_write_n3_low_concurrency: { value: round(n3low.totalUs), unit: 'µs/write' },
        writes_per_s_n3_http: { value: round(http.perS), unit: 'writes/s' },
        p50_ms_n3_http: { value: round(percentile(http.latencies, 50), 2), unit: 'ms' },
        p99_ms_n3_http: { value: round(percentile(http.latencies, 99), 2), unit: 'ms' },
        cpu_us_per_write_n3_http: { value: round(http.totalUs), unit: 'µs/write' },
        writes_per_s_n10: { value: round(n10.perS), unit: 'writes/s' },
        p99_ms_n10: { value: round(percentile(n10.latencies, 99), 2), unit: 'ms' },
      },
      baseline: {
        name: 'raw awaited JetStream publish (same bytes, same concurrency)',
        value: round(baseline.perS),
        unit: 'msgs/s',
      },
      ratio: round(n3.perS / baseline.perS, 3),
      params: {
        writes,
        concurrency,
        low_concurrency: lowConcurrency,
        quorum_w: 2,
        records_per_push: 1,
        quorum_missed_n3: n3.missed,
        quorum_missed_n3_low_concurrency: n3low.missed,
        quorum_missed_n10: n10.missed,
        quorum_missed_n3_http: http.missed,
        // Each run's gateways first take BENCH_WARMUP writes, not counted in its figures.
        warmup_n3: n3.warmup,
        warmup_n3_low_concurrency: n3low.warmup,
        warmup_n3_http: http.warmup,
        warmup_n10: n10.warmup,
        // CPU per accepted write by process (gateways = this process: every gateway, both sides
        // of replication, and the clients): less sensitive to the machine's load than the rates.
        cpu_us_per_write_by_process_n3: n3.usPerWrite,
        cpu_us_per_write_by_process_n3_low_concurrency: n3low.usPerWrite,
        cpu_us_per_write_by_process_n10: n10.usPerWrite,
        // The *_n3_http run: gateways = the three gateway processes, client = this process.
        cpu_us_per_write_by_process_n3_http: http.usPerWrite,
        // The raw floor of the N=3 write (sync-floor.ts), CPU µs per write by part and process.
        floor_n3: {
          crypto: floor.crypto,
          nats: floor.nats,
          postgres: floor.postgres,
          rows_per_statement: floorRows,
        },
        load_avg_1m: [round(loadBefore, 2), round(loadavg()[0] ?? 0, 2)],
        gateways:
          'in-process (the *_n3_http run: three processes behind HTTP), one Postgres database, one nats-server 2.9 (file storage)',
      },
    };
  } finally {
    await world.close();
  }
}
