import { performance } from 'node:perf_hooks';
import {
  publicKeyFromSeed,
  reconcile,
  sha256Hex,
  utf8,
  type DesiredState,
  type NodeStatus,
  type ObservedState,
} from '@fedplane/core';
import {
  BucketName,
  KvKey,
  connectBus,
  ensureKv,
  ensureStreams,
  fedBuckets,
  fedStreams,
  newEventStamp,
  nodeStatusSubject,
  publishSigned,
  seedCredentialSigner,
  watchPosture,
  watchTrustBundle,
  type Log,
} from '@fedplane/messaging';
import { systemClock } from '@fedplane/runtime';
import { startNatsServer, startTestIssuer } from '@fedplane/testkit';
import { startReconciler } from '../../services/reconciler/src/shell/start-reconciler.js';
import { machineDescription, round, type BenchResult } from '../report.js';
import { intEnv } from '../processes.js';

/**
 * `reconcile` (operations.md, Benchmarks):
 * - `plan_ms_100k`: the pure core `reconcile` over 100,000 desired nodes, every one observed
 *   present and able to sign with evidence, the fleet permissive — the largest plan (enable_strict
 *   with 100k evidence items); median of `BENCH_PLAN_RUNS` runs after one warm-up.
 * - `fleet_to_strict_s_1000`: a real nats-server, a test issuer (trust bundle in `fed-trust`),
 *   the reconciler (in-process, leader, its own issued identity) with a stored inventory of 1,000
 *   nodes and `require_sig: true`; then 1,000 simulated nodes each publish a status signed under
 *   their own issued credential. Time from the first status published until a posture reader
 *   (messaging `watchPosture`) sees the signed strict posture.
 * No same-run baseline (the table has none). Environment: `BENCH_PLAN_NODES` (100000),
 * `BENCH_PLAN_RUNS` (5), `BENCH_FLEET` (1000).
 */

const SILENT: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};
const NODE_SEED = new Uint8Array(32).fill(9);

function nodeIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `region/r${i % 16}/node-${i}`);
}

/** Median time of the pure plan over `count` ready nodes. */
function planMs(count: number, runs: number): number {
  const ids = nodeIds(count);
  const desired: DesiredState = { nodes: ids, requireSig: true };
  const observed: ObservedState = {
    strictEnforced: false,
    nodes: ids.map((id, i) => ({
      id,
      present: true,
      canSign: true,
      evidence: {
        credentialId: sha256Hex(utf8(id)),
        notAfter: 2_000_000_000 + i,
        statusAt: '2030-01-01T00:00:00Z',
      },
    })),
  };
  reconcile(desired, observed); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    const plan = reconcile(desired, observed, { presentCount: count });
    times.push(performance.now() - start);
    if (plan.actions.length !== 1) throw new Error('unexpected plan');
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

function inventoryYaml(ids: readonly string[]): string {
  const lines = ['trust_domain: fleet.test', 'regions:'];
  const regions = new Map<string, string[]>();
  for (const id of ids) {
    const region = id.split('/')[1] ?? 'r0';
    regions.set(region, [...(regions.get(region) ?? []), id]);
  }
  for (const [region, nodes] of regions) {
    lines.push(`  - name: ${region}`, '    nodes:');
    for (const id of nodes) {
      lines.push(
        `      - id: ${id}`,
        '        attestor: join-token',
        '        cred_ttl: 1h',
        '        renew_before: 15m',
      );
    }
  }
  lines.push('quorum: { width: 1 }', 'enforcement: { require_sig: true }');
  return `${lines.join('\n')}\n`;
}

/** Seconds from the first status until a reader sees strict, for a fleet of `count`. */
async function fleetToStrictS(count: number): Promise<number> {
  const nats = await startNatsServer({ useNatsUrl: false });
  const bus = await connectBus({ servers: nats.url, name: 'bench-reconcile', log: SILENT });
  const stops: (() => Promise<unknown>)[] = [];
  try {
    await ensureStreams(bus.jsm, fedStreams());
    await ensureKv(bus.jsm, fedBuckets());
    const issuer = await startTestIssuer({ nc: bus.nc });
    stops.push(() => issuer.stop());
    const trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), { log: SILENT });
    stops.push(() => trust.stop());
    await trust.ready;
    const ids = nodeIds(count);
    const yaml = inventoryYaml(ids);
    const inventoryKv = await bus.kvm.open(BucketName.inventory);
    await inventoryKv.put(KvKey.desired, JSON.stringify({ yaml, sha256: sha256Hex(utf8(yaml)) }));
    const reconcilerId = 'svc/reconciler/bench';
    const reconcilerCred = issuer.issue(reconcilerId, publicKeyFromSeed(NODE_SEED));
    const reconciler = await startReconciler({
      bus,
      signer: seedCredentialSigner({
        agentId: reconcilerId,
        seed: NODE_SEED,
        credential: () => reconcilerCred.header,
      }),
      trust,
      settings: {
        intervalMs: 10_000,
        debounceMs: 500,
        statusTtlMs: 60_000,
        minRemainingS: 120,
        shrinkGuard: 0.3,
        autoDecommission: true,
        inventoryPath: undefined,
        leaseTtlMs: 10_000,
        retryMs: 300_000,
        requestTimeoutMs: 5_000,
      },
      clock: systemClock,
      log: SILENT,
    });
    stops.push(() => reconciler.stop());
    const posture = watchPosture(await bus.kvm.open(BucketName.enforcement), {
      trust,
      clock: systemClock,
      log: SILENT,
    });
    stops.push(() => posture.stop());
    const strict = new Promise<number>((resolve) => {
      posture.onChange((view) => {
        if (view.posture?.require_sig === true) resolve(performance.now());
      });
    });
    // Credentials are issued before the clock starts: the nodes already hold them.
    const nodes = ids.map((id) => {
      const issued = issuer.issue(id, publicKeyFromSeed(NODE_SEED));
      const status: NodeStatus = {
        node_id: id,
        credential_id: sha256Hex(utf8(issued.header)),
        issuer_id: issuer.issuerId,
        not_before: issued.claims.not_before,
        not_after: issued.claims.not_after,
        can_sign: true,
        agent_version: 'bench',
        last_renewal_at: null,
      };
      const signer = seedCredentialSigner({
        agentId: id,
        seed: NODE_SEED,
        credential: () => issued.header,
      });
      return { id, signer, body: utf8(JSON.stringify(status)) };
    });
    const start = performance.now();
    const BATCH = 100;
    for (let i = 0; i < nodes.length; i += BATCH) {
      await Promise.all(
        nodes.slice(i, i + BATCH).map((n) =>
          publishSigned(bus.js, {
            subject: nodeStatusSubject(n.id),
            body: n.body,
            signer: n.signer,
            msgId: newEventStamp().id,
          }),
        ),
      );
    }
    let timer: NodeJS.Timeout | undefined;
    const end = await Promise.race([
      strict,
      new Promise<number>((_, reject) => {
        timer = setTimeout(() => reject(new Error('fleet did not reach strict in 300 s')), 300_000);
      }),
    ]).finally(() => clearTimeout(timer));
    return (end - start) / 1000;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await bus.close();
    await nats.stop();
  }
}

/** Runs the scenario. */
export async function run(): Promise<BenchResult> {
  const planNodes = intEnv('BENCH_PLAN_NODES', 100_000);
  const planRuns = intEnv('BENCH_PLAN_RUNS', 5);
  const fleet = intEnv('BENCH_FLEET', 1_000);
  const plan = planMs(planNodes, planRuns);
  const toStrict = await fleetToStrictS(fleet);
  return {
    scenario: 'reconcile',
    at: new Date().toISOString(),
    machine: machineDescription(),
    figures: {
      plan_ms_100k: { value: round(plan, 1), unit: 'ms' },
      fleet_to_strict_s_1000: { value: round(toStrict, 2), unit: 's' },
    },
    baseline: null,
    ratio: null,
    params: {
      plan_nodes: planNodes,
      plan_runs: planRuns,
      fleet,
      reconciler: { interval: '10s', debounce: '500ms', status_ttl: '60s' },
    },
  };
}
