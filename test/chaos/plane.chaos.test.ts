import { withPool } from '@fedplane/testkit';
import type { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeRecords, type WriteRun } from '../e2e/fleet-writes.js';
import { runFedplane } from '../e2e/plane-cli.js';
import type { FleetNode } from '../e2e/plane-env.js';
import {
  collectEvents,
  credentialProblem,
  replicas,
  until,
  watchPlane,
  type SeenEvent,
} from '../e2e/plane-checks.js';
import {
  applyFleetInventory,
  enrollNodes,
  reachStrict,
  startNodes,
} from '../e2e/scenario-steps.js';
import { startPlane, type Plane } from '../e2e/topology.js';

/**
 * Chaos over the whole plane as OS processes: while records are written through the gateways,
 * SIGKILL and restart each kind of service (one at a time, then several at once), kill one NATS
 * server of three, take Postgres away for 20 s (a TCP proxy cut), stop one node's gateway. After
 * each: no acknowledged write lost, no duplicate, every node credential still verifies, and the
 * audit chain verifies.
 */

const PER_FAULT = 400;

let plane: Plane;
let pool: Pool;
let events: SeenEvent[];
let stopEvents: () => void = () => undefined;
let failed = false;
let round = 0;
const acked = new Set<string>();

beforeAll(async () => {
  plane = await startPlane({ nodes: 5 });
  const collector = collectEvents(plane.bus);
  events = collector.events;
  stopEvents = () => collector.stop();
  pool = withPool(plane.db.url, 4);
  await applyFleetInventory(plane, plane.nodes, events);
  await enrollNodes(plane, plane.nodes);
  await startNodes(plane, plane.nodes);
  await reachStrict(events);
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  stopEvents();
  if (failed) console.log(`chaos logs kept in ${plane.keepLogs('chaos')}`);
  await pool?.end();
  await plane?.stop();
});

/** Writes through `nodes` while `fault` runs; returns the write run. */
async function writeDuring(
  nodes: readonly FleetNode[],
  fault: () => Promise<void>,
): Promise<WriteRun> {
  round += 1;
  const [run] = await Promise.all([
    writeRecords({ nodes, count: PER_FAULT, prefix: `chaos${String(round)}`, batch: 20 }),
    fault(),
  ]);
  for (const id of run.acked) acked.add(id);
  return run;
}

/** No acknowledged write lost, no duplicate, on every node whose gateway runs. */
async function checkInvariants(live: readonly FleetNode[]): Promise<void> {
  const all = await until(
    async () => {
      const digests = await replicas(pool, live);
      const complete = [...digests.values()].every((rows) => {
        const ids = new Set(rows.map((r) => r.slice(0, r.indexOf(':'))));
        return [...acked].every((id) => ids.has(id));
      });
      return complete ? digests : undefined;
    },
    90_000,
    'every acknowledged write on every live replica',
  );
  for (const rows of all.values()) {
    const ids = rows.map((r) => r.slice(0, r.indexOf(':')));
    expect(new Set(ids).size).toBe(ids.length);
  }
  const { trust, posture } = await watchPlane(plane.bus);
  const bundle = trust.current();
  if (bundle === undefined) throw new Error('no trust bundle');
  for (const node of live) {
    expect({ node: node.id, problem: credentialProblem(node, bundle) }).toEqual({
      node: node.id,
      problem: null,
    });
  }
  await trust.stop();
  await posture.stop();
  const verify = await runFedplane(['audit', 'verify', '--json'], plane.cliEnv());
  expect({ code: verify.code, out: verify.stdout }).toMatchObject({ code: 0 });
}

describe('chaos over the running plane', () => {
  it('survives SIGKILL and restart of each kind of service, one at a time', async () => {
    const nodes = plane.nodes;
    for (const name of [
      'issuer-1',
      'auditor-1',
      'reconciler-1',
      'approvals-1',
      'agent-node-2',
      'gateway-node-3',
    ]) {
      const writers = name === 'gateway-node-3' ? nodes.filter((n) => n.short !== 'node-3') : nodes;
      await writeDuring(writers, () => plane.killAndRestart(name));
    }
    await checkInvariants(nodes);
  });

  it('survives several services killed at once', async () => {
    const nodes = plane.nodes;
    const names = ['issuer-2', 'auditor-2', 'reconciler-2', 'agent-node-4'];
    await writeDuring(nodes, async () => {
      await Promise.all(names.map((n) => plane.process(n).kill()));
      await plane.start(names);
    });
    await checkInvariants(nodes);
  });

  it('survives one NATS server of three killed and restarted', async () => {
    const nodes = plane.nodes;
    const server = plane.nats.servers[2];
    if (server === undefined) throw new Error('three servers expected');
    await writeDuring(nodes, async () => {
      await server.kill();
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      await server.restart();
    });
    await checkInvariants(nodes);
  });

  it('survives Postgres taken away for 20 s', async () => {
    const nodes = plane.nodes;
    await writeDuring(nodes, async () => {
      plane.pgProxy.block();
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      plane.pgProxy.unblock();
    });
    await checkInvariants(nodes);
  });

  it('catches a partitioned gateway up after it returns', async () => {
    const nodes = plane.nodes;
    const cut = nodes[0];
    if (cut === undefined) throw new Error('nodes expected');
    const gateway = plane.process(`gateway-${cut.short}`);
    await gateway.stop();
    await writeDuring(
      nodes.filter((n) => n !== cut),
      () => Promise.resolve(),
    );
    await plane.start([`gateway-${cut.short}`]);
    await checkInvariants(nodes);
  });
});
