import type { Pool } from 'pg';
import { expect } from 'vitest';
import { writeRecords, type WriteRun } from '../e2e/fleet-writes.js';
import { runFedplane } from '../e2e/plane-cli.js';
import type { FleetNode } from '../e2e/plane-env.js';
import {
  auditRows,
  credentialProblem,
  replicas,
  until,
  watchPlane,
  type SeenEvent,
} from '../e2e/plane-checks.js';
import type { Plane } from '../e2e/topology.js';
import type { LapseWatch } from './lapse-watch.js';

/**
 * The chaos suite's ledger: the writes made during each fault (every committed id remembered)
 * and the invariants checked after it — every committed write (200, or 202 `quorum_not_met`) on
 * every replica, every replica identical (each id once), no credential lapse, every credential
 * verifies, every event seen on the bus chained exactly once, `fedplane audit verify` passes.
 */

/** What the ledger observes. */
export type LedgerContext = {
  readonly plane: Plane;
  /** A direct pool on the plane's database (not through the cuttable proxy). */
  readonly pool: Pool;
  readonly events: readonly SeenEvent[];
  readonly lapses: LapseWatch;
  /** Records per write chunk (chunks follow each other for as long as a fault lasts). */
  readonly perChunk: number;
};

/** The ledger. */
export type ChaosLedger = {
  /**
   * Writes through `nodes` in chunks for as long as `fault` runs, then chunks until one commits
   * (the plane must take writes again within a minute); every committed id is remembered.
   */
  writeDuring(nodes: readonly FleetNode[], fault: () => Promise<void>): Promise<WriteRun[]>;
  /** Every invariant, on `nodes` (default the whole fleet; every process of theirs running). */
  check(nodes?: readonly FleetNode[]): Promise<void>;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const idOf = (row: string): string => row.slice(0, row.indexOf(':'));

/** Creates the ledger of one suite. */
export function chaosLedger(ctx: LedgerContext): ChaosLedger {
  const { plane, pool, events, lapses, perChunk } = ctx;
  const committed = new Set<string>();
  let round = 0;

  async function writeDuring(
    nodes: readonly FleetNode[],
    fault: () => Promise<void>,
  ): Promise<WriteRun[]> {
    round += 1;
    let over = false;
    const faulted = fault().finally(() => {
      over = true;
    });
    const runs: WriteRun[] = [];
    const chunk = async (): Promise<WriteRun> => {
      const run = await writeRecords({
        nodes,
        count: perChunk,
        prefix: `chaos${String(round)}-${String(runs.length)}`,
        batch: 20,
      });
      for (const id of run.committed) committed.add(id);
      runs.push(run);
      return run;
    };
    while (!over) {
      // While nothing commits (Postgres away), pace the retries as a daemon would.
      if ((await chunk()).committed.length === 0) await sleep(250);
    }
    await faulted;
    // Once the fault is over, the plane takes writes again (Postgres pools reconnect first).
    const recovery = Date.now() + 60_000;
    let after = await chunk();
    while (after.committed.length === 0 && Date.now() < recovery) {
      await sleep(1_000);
      after = await chunk();
    }
    const sum = (pick: (r: WriteRun) => readonly string[]): number =>
      runs.reduce((n, r) => n + pick(r).length, 0);
    const statuses = new Map<number, number>();
    for (const f of runs.flatMap((r) => r.failures)) {
      statuses.set(f.status, (statuses.get(f.status) ?? 0) + 1);
    }
    console.log(
      `round ${String(round)}: ${String(sum((r) => r.committed))} of ${String(runs.length * perChunk)} committed (${String(sum((r) => r.acked))} with quorum); pushes refused or failed by status (0 = no response): ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(after.committed.length).toBeGreaterThan(0);
    return runs;
  }

  async function checkReplicas(nodes: readonly FleetNode[]): Promise<void> {
    const all = await until(
      async () => {
        const digests = await replicas(pool, nodes);
        const complete = [...digests.values()].every((rows) => {
          const ids = new Set(rows.map(idOf));
          return [...committed].every((id) => ids.has(id));
        });
        // Records pushed but never acknowledged may land too; they must land everywhere alike.
        const texts = [...digests.values()].map((rows) => rows.join('\n'));
        return complete && texts.every((t) => t === texts[0]) ? digests : undefined;
      },
      90_000,
      'every committed write on every replica, every replica identical',
    );
    for (const [node, rows] of all) {
      const ids = rows.map(idOf);
      expect({ node, duplicates: ids.length - new Set(ids).size }).toEqual({ node, duplicates: 0 });
    }
  }

  async function checkCredentials(nodes: readonly FleetNode[]): Promise<void> {
    const mine = (id: string | undefined): boolean => nodes.some((n) => n.id === id);
    expect(lapses.samples()).toBeGreaterThan(0);
    expect(lapses.lapses.filter((l) => mine(l.node))).toEqual([]);
    expect(events.filter((e) => e.type === 'credential.expired' && mine(e.subject))).toEqual([]);
    const { trust, posture } = await watchPlane(plane.bus);
    const bundle = trust.current();
    if (bundle === undefined) throw new Error('no trust bundle');
    for (const node of nodes) {
      expect({ node: node.id, problem: credentialProblem(node, bundle) }).toEqual({
        node: node.id,
        problem: null,
      });
    }
    await trust.stop();
    await posture.stop();
  }

  async function checkChain(): Promise<void> {
    const seen = events.map((e) => e.id);
    const chained = await until(
      async () => {
        const rows = await auditRows(pool);
        const ids = new Set(rows.map((r) => r.eventId));
        return seen.every((id) => ids.has(id)) ? rows : undefined;
      },
      60_000,
      'the auditor chains every event seen on the bus',
    );
    // Redeliveries after an auditor or a NATS server dies are chained once.
    const ids = chained.map((r) => r.eventId);
    expect({ chainedTwice: ids.length - new Set(ids).size }).toEqual({ chainedTwice: 0 });
    const verify = await runFedplane(['audit', 'verify', '--json'], plane.cliEnv());
    expect({ code: verify.code, out: verify.stdout, err: verify.stderr }).toMatchObject({
      code: 0,
    });
  }

  return {
    writeDuring,
    async check(nodes = plane.nodes) {
      await checkReplicas(nodes);
      await checkCredentials(nodes);
      await checkChain();
    },
  };
}
