import { parseDuration } from '@fedplane/core';
import { withPool } from '@fedplane/testkit';
import type { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NODE_CRED_TTL } from '../e2e/plane-env.js';
import { auditRows, collectEvents, until, type SeenEvent } from '../e2e/plane-checks.js';
import {
  applyFleetInventory,
  decommissionNode,
  enrollNodes,
  reachStrict,
  startNodes,
} from '../e2e/scenario-steps.js';
import { startPlane, type Plane } from '../e2e/topology.js';
import { chaosLedger, type ChaosLedger } from './chaos-ledger.js';
import { watchLapses, type LapseWatch } from './lapse-watch.js';

/**
 * Chaos over the whole plane as OS processes, one plane shared by every fault in turn: while
 * records are written through the gateways (chunk after chunk for as long as the fault lasts,
 * then until one commits again), SIGKILL and restart each kind of service (one at a time, then
 * several at once), kill one NATS server of three, take Postgres away for 20 s (a TCP proxy
 * cut), stop one node's gateway. Two agents run with their clocks skewed by +45 s and −45 s
 * (`FED_CLOCK_SKEW_MS`) for the whole suite, which outlives the nodes' first credentials. After
 * each fault the ledger (`chaos-ledger.ts`) checks: every committed write (200, or 202
 * `quorum_not_met`) on every replica, every replica identical (each id once), no credential
 * lapse (the held credential files are sampled every 500 ms, and no `credential.expired` event;
 * the issuers are never all down), every credential verifies, every event seen on the bus chained
 * exactly once, and `fedplane audit verify` passes. Last, the restarted reconcilers and approvals
 * still decommission a node through an HMAC approval.
 */

/** The agents whose clocks run ahead and behind (FED_CLOCK_SKEW_MS). */
const SKEWED = { 'agent-node-4': 45_000, 'agent-node-5': -45_000 } as const;

let plane: Plane | undefined;
let pool: Pool;
let events: SeenEvent[];
let stopEvents: () => void = () => undefined;
let lapses: LapseWatch | undefined;
let failed = false;
let ledger: ChaosLedger | undefined;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** When every node held its first credential (the lapse watch starts then). */
let nodesStartedMs = 0;

function live(): Plane {
  if (plane === undefined) throw new Error('the plane did not start');
  return plane;
}

function books(): ChaosLedger {
  if (ledger === undefined) throw new Error('the plane did not start');
  return ledger;
}

beforeAll(async () => {
  const extra: Record<string, Record<string, string>> = {};
  for (const [name, skew] of Object.entries(SKEWED)) {
    extra[name] = { FED_CLOCK_SKEW_MS: String(skew) };
  }
  plane = await startPlane({ nodes: 5, extra });
  try {
    const collector = collectEvents(plane.bus);
    events = collector.events;
    stopEvents = () => collector.stop();
    pool = withPool(plane.db.url, 4);
    await applyFleetInventory(plane, plane.nodes, events);
    await enrollNodes(plane, plane.nodes);
    await startNodes(plane, plane.nodes);
    lapses = watchLapses(plane.nodes);
    nodesStartedMs = Date.now();
    ledger = chaosLedger({ plane, pool, events, lapses, perChunk: 100 });
    await reachStrict(events);
  } catch (err) {
    failed = true;
    throw err;
  }
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  lapses?.stop();
  stopEvents();
  if (failed && plane !== undefined) console.log(`chaos logs kept in ${plane.keepLogs('chaos')}`);
  await pool?.end();
  await plane?.stop();
});

describe('chaos over the running plane', () => {
  it('keeps every stream and bucket at replicas 3 on the 3-server cluster', async () => {
    const replicasOf = new Map<string, number>();
    for await (const info of live().bus.jsm.streams.list()) {
      replicasOf.set(info.config.name, info.config.num_replicas);
    }
    // The services' own buckets too (the reconciler journal once ignored NATS_STREAM_REPLICAS).
    expect(replicasOf.get('KV_fed-reconciler')).toBe(3);
    expect([...replicasOf].filter(([, n]) => n !== 3)).toEqual([]);
  });

  it('survives SIGKILL and restart of each kind of service, one at a time', async () => {
    const p = live();
    for (const name of [
      'issuer-1',
      'auditor-1',
      'reconciler-1',
      'approvals-1',
      'agent-node-2',
      'gateway-node-3',
    ]) {
      const writers =
        name === 'gateway-node-3' ? p.nodes.filter((n) => n.short !== 'node-3') : p.nodes;
      await books().writeDuring(writers, () => p.killAndRestart(name));
    }
    await books().check();
  });

  it('survives several services killed at once', async () => {
    const p = live();
    const names = [
      'issuer-2',
      'auditor-2',
      'reconciler-2',
      'approvals-2',
      'agent-node-4',
      'gateway-node-5',
    ];
    await books().writeDuring(
      p.nodes.filter((n) => n.short !== 'node-5'),
      async () => {
        await Promise.all(names.map((n) => p.process(n).kill()));
        await p.start(names);
      },
    );
    await books().check();
  });

  it('survives one NATS server of three killed and restarted', async () => {
    const p = live();
    const server = p.nats.servers[2];
    if (server === undefined) throw new Error('three servers expected');
    await books().writeDuring(p.nodes, async () => {
      await server.kill();
      await sleep(10_000);
      await server.restart();
    });
    await books().check();
  });

  it('survives Postgres taken away for 20 s', async () => {
    const p = live();
    await books().writeDuring(p.nodes, async () => {
      p.pgProxy.block();
      await sleep(20_000);
      p.pgProxy.unblock();
    });
    await books().check();
  });

  it('catches a gateway stopped during writes up after it returns', async () => {
    const p = live();
    const cut = p.nodes[0];
    if (cut === undefined) throw new Error('nodes expected');
    // Pushes to the stopped gateway fail and are retried through another one; the records
    // committed meanwhile reach the returning gateway from its durable consumer.
    await books().writeDuring(p.nodes, async () => {
      await sleep(1_000);
      await p.process(`gateway-${cut.short}`).stop();
      await sleep(8_000);
      await p.start([`gateway-${cut.short}`]);
    });
    await books().check();
  });

  it('keeps every node, skewed clocks (+45 s, −45 s) included, renewed without a lapse', async () => {
    const p = live();
    // Outlive the first credentials: by then every node has had to renew (through the faults
    // above), so "no lapse" says something about every agent.
    const ttl = parseDuration(NODE_CRED_TTL);
    if (!ttl.ok) throw new Error(`bad NODE_CRED_TTL ${NODE_CRED_TTL}`);
    const outlived = nodesStartedMs + ttl.seconds * 1000 + 10_000;
    await until(
      () => Date.now() > outlived,
      ttl.seconds * 1000 + 20_000,
      'first credentials outlived',
    );
    for (const node of p.nodes) {
      const renewed = events.filter(
        (e) => e.type === 'credential.renewed' && e.subject === node.id,
      ).length;
      expect({ node: node.id, renewed: renewed > 0 }).toEqual({ node: node.id, renewed: true });
    }
    expect(Object.keys(SKEWED).every((name) => p.process(name).running())).toBe(true);
    await books().check();
  });

  it('still decommissions a node through an HMAC approval after all that', async () => {
    const p = live();
    const [keep, gone] = [p.nodes.slice(0, 4), p.nodes[4]];
    if (gone === undefined) throw new Error('five nodes expected');
    // The restarted reconcilers and approvals (and the skewed node-5, the one decommissioned)
    // still carry the approval flow end to end.
    const pendingId = await decommissionNode(p, keep, gone, events);
    await Promise.all([
      p.process(`agent-${gone.short}`).stop(),
      p.process(`gateway-${gone.short}`).stop(),
    ]);
    await books().check(keep);
    const rows = await auditRows(pool);
    const at = (type: string, subject: string): number =>
      rows.find((r) => r.type === type && r.subject === subject)?.seq ?? Number.NaN;
    const order = {
      requested: at('approval.requested', gone.id),
      decided: at('approval.decided', pendingId),
      revoked: at('node.revoked', gone.id),
    };
    expect(order.requested).toBeLessThan(order.decided);
    expect(order.decided).toBeLessThan(order.revoked);
  });
});
