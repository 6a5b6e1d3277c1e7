import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeStatusSchema, parseEvent } from '@fedplane/core';
import { StreamName, connectBus, type Log } from '@fedplane/messaging';
import { createTestDatabase, startNatsServer } from '@fedplane/testkit';
import { machineDescription, round, type BenchResult } from '../report.js';
import { intEnv, startServiceProcess, type ServiceProcess } from '../processes.js';

/**
 * `renewal-storm` (operations.md, Benchmarks): 10,000 simulated agents (renewal-agent
 * `--simulate` processes, each agent with its own key and identity, enrolled through the issuer)
 * on credentials with a 120 s TTL; once every agent holds one, the issuer process is stopped for
 * 30 s, then started again. Counted from the agents' own output, never assumed:
 * - `lapses`: agents that at some moment held no valid credential, from their signed status on
 *   `fed.status.node.<node>` (published every 30 s and on every change): a status with
 *   `can_sign: false`; a last reported `not_after` that passed (checked every second, 2 s
 *   grace) and whose next status shows the new credential swapped in (`last_renewal_at`) after
 *   that `not_after`, or no newer status at all by the end; plus every `credential.expired`
 *   event they emitted. Each agent counts once.
 * - `max_issuer_rps`: the most credentials the issuer issued in one second (its
 *   `credential.issued` events, bucketed by second), i.e. the storm after the restart.
 * No same-run baseline (the table has none). Environment: `BENCH_AGENTS` (default 10000),
 * `BENCH_AGENT_PROCS` (default 2), `BENCH_TTL_S` (120), `BENCH_OUTAGE_S` (30), `BENCH_AFTER_S`
 * (seconds watched after the restart; default the TTL, so a missed renewal would expire in view),
 * `BENCH_SPREAD_S` (the agents join over this long; default agents / 55).
 */

const SILENT: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};
const PREFIX = 'storm';
const GRACE_S = 2;

type NodeView = { notAfter: number; canSign: boolean };

/** Runs the scenario. */
export async function run(): Promise<BenchResult> {
  const agents = intEnv('BENCH_AGENTS', 10_000);
  const procs = intEnv('BENCH_AGENT_PROCS', 2);
  const ttlS = intEnv('BENCH_TTL_S', 120);
  const outageS = intEnv('BENCH_OUTAGE_S', 30);
  const afterS = intEnv('BENCH_AFTER_S', ttlS);
  const spreadS = intEnv('BENCH_SPREAD_S', Math.max(1, Math.ceil(agents / 55)));
  const loadAtStart = loadavg()[0] ?? 0;
  const nats = await startNatsServer({ useNatsUrl: false });
  const db = await createTestDatabase({ prefix: 'fp_bench' });
  const dir = mkdtempSync(join(tmpdir(), 'fedplane-bench-storm-'));
  const bus = await connectBus({ servers: nats.url, name: 'bench-storm', log: SILENT });
  const common = { NATS_URL: nats.url, HEALTH_PORT: '0', LOG_LEVEL: 'info' };
  const issuerEnv = {
    ...common,
    DATABASE_URL: db.url,
    INSTANCE_ID: 'storm',
    ISSUER_TRUST_DOMAIN: 'fleet.storm',
    ISSUER_KEY_DIR: join(dir, 'keys'),
    ISSUER_LEAF_TTL: `${String(ttlS)}s`,
  };
  const running: ServiceProcess[] = [];
  const views = new Map<string, NodeView>();
  const lapsed = new Map<string, string>();
  /** Agents whose last reported credential passed its not_after: node → that not_after. */
  const suspects = new Map<string, number>();
  const issuedPerSecond = new Map<number, number>();
  let expiredEvents = 0;
  let statuses = 0;
  const lapse = (node: string, why: string): void => {
    if (node.startsWith(`${PREFIX}-`) && !lapsed.has(node)) lapsed.set(node, why);
  };
  // What the agents say about themselves: their signed status and their own lifecycle events,
  // read through ordered (flow-controlled) consumers, so nothing is dropped under load.
  const onStatus = (data: Uint8Array): void => {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(data));
    } catch {
      return;
    }
    const parsed = NodeStatusSchema.safeParse(json);
    if (!parsed.success) return;
    statuses += 1;
    const st = parsed.data;
    const seen = views.get(st.node_id);
    if (seen !== undefined && !st.can_sign) lapse(st.node_id, 'status can_sign false');
    const overdue = suspects.get(st.node_id);
    if (overdue !== undefined && st.not_after > overdue) {
      // A newer credential after its last one's not_after was seen to pass: a lapse only if the
      // agent swapped it in after that not_after (valid through the whole second, inclusive).
      suspects.delete(st.node_id);
      const swappedS =
        st.last_renewal_at === null ? Infinity : Math.floor(Date.parse(st.last_renewal_at) / 1000);
      if (swappedS > overdue) lapse(st.node_id, 'renewed only after not_after');
    }
    if (seen === undefined || st.not_after >= seen.notAfter) {
      views.set(st.node_id, { notAfter: st.not_after, canSign: st.can_sign });
    }
  };
  const onEvent = (data: Uint8Array, storedAtS: number): void => {
    const event = parseEvent(data);
    if (!event.ok) return;
    if (event.value.type === 'credential.expired') {
      expiredEvents += 1;
      lapse(event.value.actor, 'credential.expired event');
    } else if (event.value.type === 'credential.issued') {
      issuedPerSecond.set(storedAtS, (issuedPerSecond.get(storedAtS) ?? 0) + 1);
    }
  };
  let readers: Promise<unknown> = Promise.resolve();
  const stops: (() => Promise<void>)[] = [];
  const follow = async (
    stream: string,
    filter: string,
    each: (m: { data: Uint8Array; info: { timestampNanos: number } }) => void,
  ): Promise<void> => {
    const msgs = await (await bus.js.consumers.get(stream, { filter_subjects: filter })).consume();
    stops.push(() => msgs.close().then(() => undefined));
    readers = Promise.all([
      readers,
      (async () => {
        for await (const m of msgs) each(m);
      })().catch(() => undefined),
    ]);
  };
  const checker = setInterval(() => {
    const nowS = Date.now() / 1000;
    for (const [node, view] of views) {
      // Suspect until a newer status says when the agent swapped (status can lag under load).
      if (view.notAfter + GRACE_S < nowS && !suspects.has(node)) suspects.set(node, view.notAfter);
    }
  }, 1_000);
  try {
    let issuer = startServiceProcess('issuer', issuerEnv);
    running.push(issuer);
    await issuer.logged('issuer started'); // it declares the streams
    await follow(StreamName.status, 'fed.status.node.>', (m) => onStatus(m.data));
    await follow(StreamName.events, 'fed.evt.credential.>', (m) =>
      onEvent(m.data, Math.floor(m.info.timestampNanos / 1e9)),
    );
    const per = Math.ceil(agents / procs);
    for (let p = 0; p < procs; p += 1) {
      const count = Math.min(per, agents - p * per);
      const agent = startServiceProcess('renewal-agent', {
        ...common,
        LOG_LEVEL: 'warn',
        INSTANCE_ID: `storm-${String(p)}`,
        RENEWAL_AGENT_SIMULATE: String(count),
        RENEWAL_AGENT_SIMULATE_PREFIX: `${PREFIX}-${String(p)}`,
        RENEWAL_AGENT_SIMULATE_ENROLL: 'true',
        // Join the fleet over ~3 minutes (10k agents: ~55 enroll + attest per second).
        RENEWAL_AGENT_SIMULATE_SPREAD: `${String(spreadS)}s`,
        FED_RENEW_BEFORE: `${String(Math.floor(ttlS / 3))}s`,
        // Status is also published on every change; the period only bounds staleness.
        FED_STATUS_INTERVAL: '30s',
        // A storm queues requests at the issuer: a short timeout would resend queued ones.
        RENEWAL_REQUEST_TIMEOUT: '30s',
      });
      running.push(agent);
    }
    process.stderr.write(`waiting until ${agents} agents hold a credential…\n`);
    const enrollStarted = Date.now();
    let lastPrint = Date.now();
    while (views.size < agents) {
      if (Date.now() - lastPrint > 15_000) {
        process.stderr.write(`  ${views.size} of ${agents} agents report a credential\n`);
        lastPrint = Date.now();
      }
      if (Date.now() - enrollStarted > 600_000) {
        throw new Error(`only ${views.size} of ${agents} agents reported a credential`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const heldAfterS = (Date.now() - enrollStarted) / 1000;
    // Steady state for a while, so the outage hits agents at every point of their lifetime.
    await new Promise((r) => setTimeout(r, (ttlS / 3) * 1000));
    process.stderr.write(`stopping the issuer for ${outageS} s…\n`);
    const lapsesBefore = lapsed.size;
    await issuer.stop();
    const outageStarted = Date.now();
    await new Promise((r) => setTimeout(r, outageS * 1000));
    issuer = startServiceProcess('issuer', { ...issuerEnv, INSTANCE_ID: 'storm-restarted' });
    running.push(issuer);
    await issuer.logged('issuer started');
    const restartedAtS = Math.floor(Date.now() / 1000);
    const outageMs = Date.now() - outageStarted;
    process.stderr.write(`issuer back; watching for ${afterS} s…\n`);
    await new Promise((r) => setTimeout(r, afterS * 1000));
    for (const node of suspects.keys()) lapse(node, 'not_after passed, no newer credential');
    const after = [...issuedPerSecond].filter(([s]) => s >= restartedAtS).map(([, n]) => n);
    const steady = [...issuedPerSecond]
      .filter(([s]) => s < restartedAtS - outageS)
      .map(([, n]) => n);
    return {
      scenario: 'renewal-storm',
      at: new Date().toISOString(),
      machine: machineDescription(),
      figures: {
        lapses: { value: lapsed.size, unit: 'agents' },
        max_issuer_rps: { value: Math.max(0, ...after), unit: 'issuances/s' },
        steady_max_issuer_rps: { value: Math.max(0, ...steady), unit: 'issuances/s' },
        credential_expired_events: { value: expiredEvents, unit: 'events' },
      },
      baseline: null,
      ratio: null,
      params: {
        agents,
        agent_processes: procs,
        ttl_s: ttlS,
        outage_ms: outageMs,
        watched_after_restart_s: afterS,
        all_held_after_s: round(heldAfterS),
        lapses_before_outage: lapsesBefore,
        lapse_examples: [...lapsed].slice(0, 5).map(([node, why]) => `${node}: ${why}`),
        statuses_seen: statuses,
        agents_reporting: views.size,
        issuer: 'one process, stopped with SIGTERM and started again',
        renew_before_s: Math.floor(ttlS / 3),
        status_interval_s: 30,
        join_spread_s: spreadS,
        agent_request_timeout_s: 30,
        load_average_at_start: round(loadAtStart, 2),
      },
    };
  } finally {
    clearInterval(checker);
    await Promise.all(stops.map((stop) => stop()));
    await readers;
    await Promise.all(running.map((p) => p.stop()));
    await bus.close();
    await db.drop();
    await nats.stop();
  }
}
