import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reconciler } from '../../services/reconciler/src/shell/start-reconciler.js';
import {
  askPlan,
  eventually,
  holdLease,
  inventoryYaml,
  publishStatus,
  purgeStatuses,
  setPosture,
  setPreviousPass,
  startInProcess,
  startWorld,
  testSettings,
  type ReconcilerWorld,
} from './reconciler-fixtures.js';

/**
 * Every `test/vectors/reconcile.json` case through the running service: the observation is fed
 * as signed statuses on `FED_STATUS`, in the case's observed order (absent = a status built more
 * than `RECONCILER_STATUS_TTL` ago; unable to sign = a credential with less than `RECONCILER_MIN_REMAINING` left) plus a signed
 * posture, the previous pass as the journal's pass record, and the plan is read through
 * `fed.reconciler.plan` with the case's inventory. The lease is held elsewhere, so the instance
 * only plans and never acts.
 */

type VectorNode = { id: string; present: boolean; can_sign: boolean };
type VectorCase = {
  name: string;
  desired: { nodes: string[]; require_sig: boolean | null };
  observed: { nodes: VectorNode[]; strict_enforced: boolean };
  previous_present_count?: number;
  shrink_guard?: number;
  expect: { actions: { kind: string; id?: string }[]; guards: string[] };
};

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/reconcile.json', import.meta.url), 'utf8'),
) as { cases: VectorCase[] };

let world: ReconcilerWorld;
const instances = new Map<number, Reconciler>();

beforeAll(async () => {
  world = await startWorld();
  await holdLease(world);
});
afterAll(async () => {
  await Promise.all([...instances.values()].map((r) => r.stop()));
  await world.stop();
});

/** One standby instance per shrink-guard setting (it is configuration, not input). */
async function instanceFor(shrinkGuard: number): Promise<void> {
  for (const [guard, running] of instances) {
    if (guard !== shrinkGuard) {
      await running.stop();
      instances.delete(guard);
    }
  }
  if (!instances.has(shrinkGuard)) {
    instances.set(
      shrinkGuard,
      await startInProcess(
        world,
        `vectors-${String(shrinkGuard).replace('.', '_')}`,
        testSettings({ shrinkGuard }),
      ),
    );
  }
}

async function feed(c: VectorCase): Promise<void> {
  await setPreviousPass(world, c.previous_present_count);
  await setPosture(world, c.observed.strict_enforced);
  await purgeStatuses(world);
  // In the case's observed order; an absent node's status says it was built 10 minutes ago.
  for (const node of c.observed.nodes) {
    await publishStatus(world, node.id, {
      ttlS: node.can_sign ? 3600 : 60,
      ...(node.present ? {} : { atMs: Date.now() - 10 * 60_000 }),
    });
  }
}

describe('reconcile vectors through fed.reconciler.plan', () => {
  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await instanceFor(c.shrink_guard ?? 0.3);
    await feed(c);
    const yaml = inventoryYaml(c.desired.nodes, c.desired.require_sig);
    const observedIds = new Set(c.observed.nodes.map((n) => n.id));
    const presentCount = c.observed.nodes.filter((n) => n.present).length;
    // The instance sees the posture and statuses through its own watch: wait until it does.
    const reply = await eventually(
      async () => {
        const got = await askPlan(world, yaml);
        const o = got.observation;
        return o.strict_enforced === c.observed.strict_enforced &&
          o.observed === observedIds.size &&
          o.present === presentCount
          ? got
          : undefined;
      },
      8_000,
      `observation of ${c.name}`,
    );
    expect(
      reply.actions.map((a) => ('id' in a ? { kind: a.kind, id: a.id } : { kind: a.kind })),
    ).toEqual(c.expect.actions);
    expect(reply.guards.map((g) => g.kind)).toEqual(c.expect.guards);
    expect(reply.observation.unverified_count).toBe(0);
    const enable = reply.actions.find((a) => a.kind === 'enable_strict');
    if (enable?.kind === 'enable_strict') {
      // Evidence names every desired node with the credential it was observed with.
      expect(enable.evidence.map((e) => e.node_id)).toEqual([...new Set(c.desired.nodes)]);
    }
  });
});
