import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApprovalRequestReplySchema } from '@fedplane/core';
import { FixedSubject, request } from '@fedplane/messaging';
import { writeRecords } from '../../test/e2e/fleet-writes.js';
import { collectEvents, decide } from '../../test/e2e/plane-checks.js';
import {
  applyFleetInventory,
  enrollNodes,
  reachStrict,
  startNodes,
} from '../../test/e2e/scenario-steps.js';
import { assembleRuntimeImage } from '../../test/e2e/runtime-image.js';
import { serviceProcess, type ServiceProcess } from '../../test/e2e/service-process.js';
import { startPlane, type Plane } from '../../test/e2e/topology.js';
import { machineDescription, round, type BenchResult, type Figure } from '../report.js';
import { intEnv } from '../processes.js';

/**
 * `service-memory` (issue 8: each service's RSS under load, target < 150 MB): the plane of
 * `test/e2e/topology.ts` as OS processes (3-server NATS cluster, Postgres; the second instance
 * of each control-plane service is stopped once up, so one instance of each kind carries all the
 * load) with `BENCH_NODES` nodes (renewal-agent + sync-gateway each), driven for `BENCH_LOAD_S`:
 * - signed sync pushes (50 memories each, 4 writers) through random gateways, without pause;
 * - renewals on short credentials: the issuer's leaf TTL is 60 s and a renewal-agent
 *   `--simulate` process (`BENCH_SIM_AGENTS` agents, renewing 40 s before expiry) renews each of
 *   them about every 20 s, on top of the nodes' own agents and the services' own credentials;
 * - every resulting event flowing to the auditor (it chains them all);
 * - `BENCH_SSE` SSE subscribers on approvals, an approval requested and decided over HTTP with
 *   HMAC every 2 s, each decision fanned out to every subscriber;
 * - the reconciler watching the nodes' and the simulated agents' status.
 * Every service process's `VmRSS` is sampled from `/proc/<pid>/status` every second; its
 * `VmHWM` (the kernel's peak) is read at the end of the load. Figures: `rss_mb_<service>` =
 * the peak over the instances of that service, in MB of 10^6 bytes (a little stricter than the
 * MiB `ps` shows).
 * The simulator is load, not a service: its peak is in `params`. No baseline (none is defined).
 * `BENCH_HEAP_SNAPSHOT_DIR` (diagnosis): gateway-node-1 writes a heap snapshot there at the
 * start and at the end of the load.
 * Every service runs as the image runs it: its esbuild bundle from the Dockerfile's runtime stage,
 * assembled without Docker (test/e2e/runtime-image.ts). `BENCH_FROM_SOURCE=1` runs the sources
 * through tsx instead (the e2e way; tsx adds ~35 MB per process).
 */

const SECOND_INSTANCES = ['issuer-2', 'auditor-2', 'reconciler-2', 'approvals-2'] as const;
const REQUESTER = 'svc/reconciler/bench-memory';

/** With `BENCH_HEAP_SNAPSHOT_DIR`: the process that writes a heap snapshot at load start and end. */
const HEAP_PROCESS = 'gateway-node-1';

function heapOptions(dir: string): Record<string, string> {
  return { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dir}` };
}

/** Asks `proc` for a heap snapshot (SIGUSR2) and waits until the file stops growing. */
async function heapSnapshot(proc: ServiceProcess, dir: string): Promise<void> {
  const pid = proc.pid();
  if (pid === undefined) return;
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  let size = -1;
  for (let i = 0; i < 120; i += 1) {
    await new Promise((r) => setTimeout(r, 1_000));
    const file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (file === undefined) continue;
    const now = statSync(join(dir, file)).size;
    if (now === size && now > 0) return;
    size = now;
  }
}

/** Peak and last RSS of one process, from `/proc/<pid>/status`. */
type Sample = { peakKb: number; hwmKb: number; firstKb: number; lastKb: number; samples: number };

function procStatus(pid: number): { rssKb: number; hwmKb: number } | undefined {
  try {
    const text = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
    const field = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
  } catch {
    return undefined; // exited between listing and reading
  }
}

/** Samples the RSS of every running process of `processes` every `everyMs`. */
function startSampler(
  processes: () => ReadonlyMap<string, ServiceProcess>,
  everyMs: number,
): { readonly samples: Map<string, Sample>; sampleNow(): void; stop(): void } {
  const samples = new Map<string, Sample>();
  const sampleNow = (): void => {
    for (const [name, proc] of processes()) {
      const pid = proc.pid();
      if (pid === undefined || !proc.running()) continue;
      const st = procStatus(pid);
      if (st === undefined || Number.isNaN(st.rssKb)) continue;
      const seen = samples.get(name);
      if (seen === undefined) {
        samples.set(name, {
          peakKb: st.rssKb,
          hwmKb: st.hwmKb,
          firstKb: st.rssKb,
          lastKb: st.rssKb,
          samples: 1,
        });
      } else {
        seen.peakKb = Math.max(seen.peakKb, st.rssKb);
        seen.hwmKb = Math.max(seen.hwmKb, Number.isNaN(st.hwmKb) ? 0 : st.hwmKb);
        seen.lastKb = st.rssKb;
        seen.samples += 1;
      }
    }
  };
  const timer = setInterval(sampleNow, everyMs);
  return { samples, sampleNow, stop: () => clearInterval(timer) };
}

/** Opens `count` SSE subscribers on approvals; counts the frames they receive. */
async function openSubscribers(
  url: string,
  apiKey: string,
  count: number,
): Promise<{ frames(): number; close(): void }> {
  let frames = 0;
  const open = (): Promise<ClientRequest> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        `${url}/api/v1/approvals/stream`,
        {
          agent: false,
          headers: { accept: 'text/event-stream', 'x-api-key': apiKey, 'x-agent-id': REQUESTER },
        },
        (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            frames += chunk.split('event: approval_decided\n').length - 1;
          });
          res.on('error', () => undefined);
          resolve(req);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const clients: ClientRequest[] = [];
  for (let i = 0; i < count; i += 50) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, open))));
  }
  return { frames: () => frames, close: () => clients.forEach((c) => c.destroy()) };
}

/** Until `deadline`: an approval requested over NATS and decided over HTTP every 2 s. */
async function approvalLoop(plane: Plane, deadline: number): Promise<number> {
  const url = plane.approvalsUrls[0] ?? '';
  let decided = 0;
  while (Date.now() < deadline) {
    const { pending_id: id } = await request(
      plane.bus.nc,
      FixedSubject.approvalsRequest,
      {
        action_type: 'decommission_node',
        namespace: 'bench/memory',
        requested_by: REQUESTER,
        payload: { round: decided },
      },
      { schema: ApprovalRequestReplySchema, timeoutMs: 10_000 },
    );
    const res = await decide(url, { id, secret: plane.files.hmacSecret, decider: 'ops/bench' });
    if (res.status === 200) decided += 1;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  return decided;
}

/** Until `deadline`: signed pushes through random gateways, 500 records per round. */
async function writeLoop(plane: Plane, deadline: number): Promise<{ acked: number; lost: number }> {
  let acked = 0;
  let lost = 0;
  for (let r = 0; Date.now() < deadline; r += 1) {
    const run = await writeRecords({ nodes: plane.nodes, count: 500, prefix: `mem-${String(r)}` });
    acked += run.acked.length;
    lost += run.unacked.length;
  }
  return { acked, lost };
}

/** kB (KiB, as /proc reports) to MB of 10^6 bytes. */
function mb(kb: number): number {
  return round((kb * 1024) / 1e6, 1);
}

/** Per service kind, the peak (max of sampled VmRSS and VmHWM) over its instances. */
function figuresOf(plane: Plane, samples: ReadonlyMap<string, Sample>): Record<string, Figure> {
  const figures: Record<string, Figure> = {};
  for (const [name, sample] of samples) {
    const service = plane.processes.get(name)?.spec.service;
    if (service === undefined) continue;
    const key = `rss_mb_${service.replaceAll('-', '_')}`;
    const peak = mb(Math.max(sample.peakKb, sample.hwmKb));
    if ((figures[key]?.value ?? 0) < peak) figures[key] = { value: peak, unit: 'MB' };
  }
  return figures;
}

/** Runs the scenario. */
export async function run(): Promise<BenchResult> {
  const nodes = intEnv('BENCH_NODES', 3);
  const loadS = intEnv('BENCH_LOAD_S', 60);
  const simAgents = intEnv('BENCH_SIM_AGENTS', 200);
  const sse = intEnv('BENCH_SSE', 200);
  const loadAtStart = loadavg()[0] ?? 0;
  process.stderr.write(`starting the plane with ${String(nodes)} nodes…\n`);
  const heapDir = process.env['BENCH_HEAP_SNAPSHOT_DIR'];
  const fromSource = process.env['BENCH_FROM_SOURCE'] === '1';
  const image = fromSource
    ? undefined
    : assembleRuntimeImage(mkdtempSync(join(tmpdir(), 'fp-bench-image-')));
  const plane = await startPlane({
    nodes,
    ...(image === undefined ? {} : { image }),
    extra: {
      'issuer-1': { ISSUER_LEAF_TTL: '60s' },
      'issuer-2': { ISSUER_LEAF_TTL: '60s' },
      ...(heapDir === undefined ? {} : { [HEAP_PROCESS]: heapOptions(heapDir) }),
    },
  });
  const collector = collectEvents(plane.bus);
  const simulator = serviceProcess(
    {
      name: 'sim-agents',
      service: 'renewal-agent',
      ...(image === undefined ? {} : { image }),
      env: {
        // as the operator (NATS user admin): it enrolls its simulated nodes itself
        ...plane.cliEnv(),
        HEALTH_PORT: '0',
        LOG_LEVEL: 'warn',
        INSTANCE_ID: 'bench-memory-sim',
        RENEWAL_AGENT_SIMULATE: String(simAgents),
        RENEWAL_AGENT_SIMULATE_PREFIX: 'memsim',
        RENEWAL_AGENT_SIMULATE_ENROLL: 'true',
        RENEWAL_AGENT_SIMULATE_SPREAD: '10s',
        FED_RENEW_BEFORE: '40s',
        FED_STATUS_INTERVAL: '10s',
      },
    },
    join(plane.files.root, 'logs'),
  );
  const all = (): ReadonlyMap<string, ServiceProcess> =>
    new Map([...plane.processes, ['sim-agents', simulator]]);
  const sampler = startSampler(all, 1_000);
  let subscribers: { frames(): number; close(): void } | undefined;
  try {
    await Promise.all(SECOND_INSTANCES.map((name) => plane.process(name).stop()));
    process.stderr.write('enrolling and starting the nodes…\n');
    const fleet = plane.nodes;
    await applyFleetInventory(plane, fleet, collector.events);
    await enrollNodes(plane, fleet);
    await startNodes(plane, fleet);
    await reachStrict(collector.events);
    simulator.start();
    subscribers = await openSubscribers(plane.approvalsUrls[0] ?? '', plane.files.apiKey, sse);
    sampler.sampleNow();
    const rssAtLoadStart = new Map([...sampler.samples].map(([k, s]) => [k, s.lastKb]));
    const eventsBefore = collector.events.length;
    if (heapDir !== undefined) await heapSnapshot(plane.process(HEAP_PROCESS), heapDir);
    process.stderr.write(`driving load for ${String(loadS)} s…\n`);
    const deadline = Date.now() + loadS * 1000;
    const [writes, decisions] = await Promise.all([
      writeLoop(plane, deadline),
      approvalLoop(plane, deadline),
    ]);
    sampler.sampleNow();
    if (heapDir !== undefined) await heapSnapshot(plane.process(HEAP_PROCESS), heapDir);
    const renewals = collector.events
      .slice(eventsBefore)
      .filter((e) => e.type === 'credential.renewed').length;
    const figures = figuresOf(plane, sampler.samples);
    const perProcess: Record<string, unknown> = {};
    for (const [name, s] of [...sampler.samples].sort(([a], [b]) => a.localeCompare(b))) {
      perProcess[name] = {
        peak_mb: mb(Math.max(s.peakKb, s.hwmKb)),
        at_load_start_mb: mb(rssAtLoadStart.get(name) ?? Number.NaN),
        at_end_mb: mb(s.lastKb),
        samples: s.samples,
      };
    }
    return {
      scenario: 'service-memory',
      at: new Date().toISOString(),
      machine: machineDescription(),
      figures,
      baseline: null,
      ratio: null,
      params: {
        target_mb: 150,
        nodes,
        load_s: loadS,
        simulated_agents: simAgents,
        issuer_leaf_ttl_s: 60,
        sse_subscribers: sse,
        records_acked: writes.acked,
        records_unacked: writes.lost,
        approvals_decided: decisions,
        sse_frames_received: subscribers.frames(),
        renewals_seen: renewals,
        events_seen: collector.events.length - eventsBefore,
        processes: perProcess,
        runner:
          image === undefined
            ? 'node --import tsx (BENCH_FROM_SOURCE=1: services run from source)'
            : 'node --enable-source-maps <service>/dist/main.js from the assembled runtime image',
        second_instances: 'started, then stopped before the load',
        load_average_at_start: round(loadAtStart, 2),
      },
    };
  } finally {
    sampler.stop();
    subscribers?.close();
    collector.stop();
    await simulator.stop(5_000);
    await plane.stop();
    if (image !== undefined) rmSync(image, { recursive: true, force: true });
  }
}
