import { StreamName, syncConsumer, toConsumerConfig } from '@fedplane/messaging';
import {
  makeNode,
  memory,
  pushBody,
  startSyncWorld,
  startTestGateway,
  type SyncWorld,
  type TestGateway,
} from '../../test/integration/sync-fixtures.js';
import { intEnv } from '../processes.js';
import { machineDescription, round, type BenchResult } from '../report.js';

/**
 * `catch-up` (operations.md, Benchmarks): a gateway returning after an outage during which
 * `BENCH_CATCHUP_WRITES` records (default 100,000) were written through the two other gateways
 * (quorum 2 of 3, pushes of `BENCH_CATCHUP_PUSH` records, a few in flight) — `records_per_s` is
 * the records it applies per second from its restart (process start of the engine included) until
 * its receiver has processed every one of them (Postgres then holds them all: checked). Same-run
 * baseline: a raw consumer with the same configuration (explicit ack, same max ack pending)
 * consuming and acking the same messages (msgs/s), nothing verified or stored.
 */

async function writeThrough(
  gateways: readonly TestGateway[],
  options: { total: number; perPush: number; inFlight: number },
): Promise<number> {
  let next = 0;
  let missed = 0;
  await Promise.all(
    Array.from({ length: options.inFlight }, async () => {
      while (next < options.total) {
        const from = next;
        next = Math.min(options.total, next + options.perPush);
        const gateway = gateways[Math.floor(from / options.perPush) % gateways.length];
        if (gateway === undefined) return;
        const records = [];
        for (let i = from; i < next; i += 1) {
          records.push(memory(`cu-${String(i)}`, '2026-07-01T00:00:00.000Z'));
        }
        const outcome = await gateway.engine.push(pushBody('bench', records) as never, {
          peerId: 'bench',
          verified: true,
        });
        if (outcome.kind !== 'quorum_met') missed += 1;
      }
    }),
  );
  return missed;
}

async function rawConsume(world: SyncWorld, total: number): Promise<number> {
  const decl = syncConsumer('bench-raw-consumer');
  await world.bus.jsm.consumers.add(StreamName.sync, toConsumerConfig(decl));
  const consumer = await world.bus.js.consumers.get(StreamName.sync, decl.name);
  const started = performance.now();
  const messages = await consumer.consume({ max_messages: 500 });
  let seen = 0;
  for await (const msg of messages) {
    msg.ack();
    seen += 1;
    if (seen >= total) break;
  }
  const ms = performance.now() - started;
  await messages.close();
  await world.bus.jsm.consumers.delete(StreamName.sync, decl.name);
  return (seen / ms) * 1000;
}

async function waitProcessed(gateway: TestGateway, total: number): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  while (gateway.receiver.processed() < total) {
    if (Date.now() > deadline) throw new Error('catch-up did not finish in 30 minutes');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs the scenario. */
export async function run(): Promise<BenchResult> {
  const writes = intEnv('BENCH_CATCHUP_WRITES', 100_000);
  const perPush = intEnv('BENCH_CATCHUP_PUSH', 500);
  const world = await startSyncWorld();
  const running: TestGateway[] = [];
  try {
    const settings = { quorum: 2, timeoutMs: 30_000 };
    running.push(await startTestGateway(world, makeNode(world, 'cu-a'), settings));
    running.push(await startTestGateway(world, makeNode(world, 'cu-b'), settings));
    const nodeC = makeNode(world, 'cu-c');
    // The returning gateway existed before the outage: its durable consumer has an ack floor.
    await (await startTestGateway(world, nodeC, settings)).close();
    process.stderr.write(`writing ${String(writes)} records through two gateways…\n`);
    const writeStarted = performance.now();
    const missed = await writeThrough(running, { total: writes, perPush, inFlight: 4 });
    const writeS = (performance.now() - writeStarted) / 1000;
    process.stderr.write('baseline: raw consume + ack…\n');
    const baseline = await rawConsume(world, writes);
    process.stderr.write('catch-up of the returning gateway…\n');
    const started = performance.now();
    const c = await startTestGateway(world, nodeC, settings);
    running.push(c);
    await waitProcessed(c, writes);
    const seconds = (performance.now() - started) / 1000;
    const stored = await world.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM sync_records WHERE node_id = $1`,
      [nodeC.nodeId],
    );
    const applied = Number(stored.rows[0]?.n ?? 0);
    if (applied !== writes)
      throw new Error(`catch-up stored ${String(applied)} of ${String(writes)}`);
    const perS = writes / seconds;
    return {
      scenario: 'catch-up',
      at: new Date().toISOString(),
      machine: machineDescription(),
      figures: {
        records_per_s: { value: round(perS), unit: 'records/s' },
        catch_up_s: { value: round(seconds, 2), unit: 's' },
      },
      baseline: {
        name: 'raw consume + ack of the same messages (same consumer configuration)',
        value: round(baseline),
        unit: 'msgs/s',
      },
      ratio: round(perS / baseline, 3),
      params: {
        writes,
        records_per_push: perPush,
        quorum_w: 2,
        write_phase_s: round(writeS, 1),
        quorum_missed_pushes: missed,
        gateways: 'in-process, one Postgres database, one nats-server (file storage)',
      },
    };
  } finally {
    for (const gateway of running) await gateway.close();
    await world.close();
  }
}
