import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BucketName } from '@fedplane/messaging';
import type { Reconciler } from '../../services/reconciler/src/shell/start-reconciler.js';
import {
  askPlan,
  eventually,
  inventoryYaml,
  publishStatus,
  purgeStatuses,
  readPosture,
  readPostureView,
  setPosture,
  startInProcess,
  startWorld,
  storeInventory,
  testSettings,
  type ReconcilerWorld,
} from './reconciler-fixtures.js';
import { startPeers } from './reconciler-peers.js';

/**
 * Partition safety of the running reconciler (in-process leader, real NATS, real signed
 * statuses): strict only with fresh signed evidence from every node, forged statuses ignored,
 * a collapse of the observation guards decommissions, actions are carried out once, and the
 * approval path waits for the signed decision.
 */

let world: ReconcilerWorld;
let running: Reconciler | undefined;
let peers: { stop(): Promise<void> } | undefined;
let suite = 0;

beforeAll(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await peers?.stop();
  peers = undefined;
  // Fresh state for the next test: statuses, posture, journal, lease, inventory.
  await purgeStatuses(world);
  for (const bucket of [BucketName.enforcement, BucketName.inventory, BucketName.leases]) {
    await world.bus.jsm.streams.purge(`KV_${bucket}`);
  }
  await world.bus.jsm.streams.delete('KV_fed-reconciler').catch(() => undefined);
  world.events.length = 0;
});
afterAll(async () => {
  await world.stop();
});

const FIVE = ['region/nyc/n1', 'region/nyc/n2', 'region/nyc/n3', 'region/nyc/n4', 'region/nyc/n5'];

function eventsOf(type: string) {
  return world.events.filter((e) => e.type === type);
}

async function start(over: Parameters<typeof testSettings>[0] = {}): Promise<Reconciler> {
  suite += 1;
  running = await startInProcess(world, `safety-${suite}`, testSettings(over));
  await eventually(() => running?.isLeader(), 10_000, 'leadership');
  return running;
}

describe('reconciler partition safety', () => {
  it('stays permissive while one node cannot sign, flips to strict one pass after it can', async () => {
    await peersWith([]);
    await storeInventory(world, inventoryYaml(FIVE, true));
    for (const id of FIVE.slice(0, 4)) await publishStatus(world, id);
    await publishStatus(world, 'region/nyc/n5', { ttlS: 60 }); // < RECONCILER_MIN_REMAINING
    const reconciler = await start({ retryMs: 3_600_000 });
    // Several passes happen; none may tighten.
    await eventually(() => reconciler.passes() >= 3, 10_000, 'three passes');
    expect(await readPosture(world)).toBeUndefined();
    expect(eventsOf('enforcement.changed')).toEqual([]);
    const plan = await askPlan(world);
    expect(plan.actions).toEqual([{ kind: 'issue_credential', id: 'region/nyc/n5' }]);
    // The renewal request went to n5's agent (not served here): it failed and is reported.
    const failed = await eventually(() => eventsOf('reconcile.action_failed')[0], 5_000, 'failure');
    expect(failed.data).toMatchObject({
      action: { kind: 'issue_credential', id: 'region/nyc/n5' },
      error: 'UNAVAILABLE',
      retryable: true,
    });

    // n5 renews on its own: the next pass has the evidence and enables strict.
    const before = reconciler.passes();
    await publishStatus(world, 'region/nyc/n5');
    const posture = await eventually(
      () => readPosture(world).then((p) => p?.require_sig && p),
      10_000,
      'strict',
    );
    expect(posture.evidence.map((e) => e.node_id)).toEqual(FIVE);
    expect(reconciler.passes() - before).toBeLessThanOrEqual(2);
    const changed = await eventually(() => eventsOf('enforcement.changed')[0], 5_000, 'event');
    expect(changed.data).toMatchObject({ require_sig: true, evidence_count: 5 });
    // Converged: the plan is empty.
    expect((await askPlan(world)).actions).toEqual([]);
  });

  it('asks the agent of a node that cannot sign to renew, once, then enables strict', async () => {
    const started = await peersWith(['region/nyc/n5']);
    await storeInventory(world, inventoryYaml(FIVE, true));
    for (const id of FIVE.slice(0, 4)) await publishStatus(world, id);
    await publishStatus(world, 'region/nyc/n5', { canSign: false });
    await start();
    await eventually(() => readPosture(world).then((p) => p?.require_sig), 10_000, 'strict');
    expect(started.calls.renew).toEqual(['region/nyc/n5']);
    const applied = eventsOf('reconcile.action_applied').map((e) => e.data['action']);
    expect(applied).toEqual([
      { kind: 'issue_credential', id: 'region/nyc/n5' },
      { kind: 'enable_strict' },
    ]);
  });

  it('a forged-signature status does not count and is reported', async () => {
    await peersWith([]);
    await storeInventory(world, inventoryYaml(FIVE, true));
    for (const id of FIVE.slice(0, 4)) await publishStatus(world, id);
    await publishStatus(world, 'region/nyc/n5', { forged: true });
    const reconciler = await start();
    await eventually(() => reconciler.passes() >= 3, 10_000, 'three passes');
    expect(await readPosture(world)).toBeUndefined();
    const plan = await askPlan(world);
    expect(plan.actions).toEqual([{ kind: 'enroll_node', id: 'region/nyc/n5' }]);
    expect(plan.observation).toMatchObject({ observed: 4, unverified_count: 1 });
    expect(plan.observation.unverified).toEqual([
      { node_id: 'region/nyc/n5', reason: 'bad_signature' },
    ]);
    const planned = eventsOf('reconcile.planned')[0];
    expect(planned?.data['observation']).toMatchObject({ unverified_count: 1 });
  });

  it('dropping 3 of 5 statuses at once is guarded: no decommission that pass', async () => {
    const started = await peersWith([]);
    const ghost = 'extra-1';
    await storeInventory(world, inventoryYaml([...FIVE, ghost], false));
    for (const id of [...FIVE, ghost]) await publishStatus(world, id);
    const reconciler = await start({ intervalMs: 60_000 });
    await eventually(() => reconciler.passes() >= 1, 10_000, 'first pass');

    // At once: the ghost leaves the inventory and 3 of the 5 nodes stop being observed.
    for (const id of FIVE.slice(0, 3)) await purgeStatuses(world, id);
    await storeInventory(world, inventoryYaml(FIVE, false));
    const guarded = await eventually(() => eventsOf('reconcile.guarded')[0], 10_000, 'guard');
    expect(guarded.data).toMatchObject({
      guard: { kind: 'shrink_guard' },
      withheld: [{ kind: 'decommission_node', id: ghost }],
      withheld_count: 1,
      present_count: 3,
      previous_present_count: 6,
    });
    expect(started.calls.revoke).toEqual([]);
    expect(
      eventsOf('reconcile.action_applied').filter(
        (e) => (e.data['action'] as { kind: string }).kind === 'decommission_node',
      ),
    ).toEqual([]);
  });

  it('enrolls an absent node once across passes; the join token never reaches the bus', async () => {
    const started = await peersWith([]);
    await storeInventory(world, inventoryYaml([...FIVE, 'region/nyc/n6'], null));
    for (const id of FIVE) await publishStatus(world, id);
    const reconciler = await start();
    await eventually(() => started.calls.enroll.length === 1, 10_000, 'enroll');
    const after = reconciler.passes();
    await eventually(() => reconciler.passes() >= after + 3, 10_000, 'three more passes');
    expect(started.calls.enroll).toEqual(['region/nyc/n6']);
    const token = started.calls.tokens[0] ?? 'missing';
    expect(world.events.some((e) => e.raw.includes(token))).toBe(false);
    expect(eventsOf('reconcile.action_applied').map((e) => e.data['action'])).toEqual([
      { kind: 'enroll_node', id: 'region/nyc/n6' },
    ]);
  });

  it('re-signs an unchanged posture whose signer credential is about to expire', async () => {
    await peersWith([]);
    await storeInventory(world, inventoryYaml(FIVE, true));
    for (const id of FIVE) await publishStatus(world, id);
    await setPosture(world, true, 300); // signer expires in 5 min: due for a re-sign
    const before = await readPostureView(world);
    const reconciler = await start();
    const after = await eventually(
      () => readPostureView(world).then((v) => (v.signer === reconciler.agentId ? v : undefined)),
      10_000,
      're-sign',
    );
    expect(after.posture).toEqual(before.posture);
    expect(after.signerNotAfter).toBeGreaterThan((before.signerNotAfter ?? 0) + 3000);
    // Not an enforcement change: no event, no plan action.
    expect(eventsOf('enforcement.changed')).toEqual([]);
    expect((await askPlan(world)).actions).toEqual([]);
  });

  it('decommission asks approvals, waits for the signed decision, then revokes once', async () => {
    const started = await peersWith([], 'approve');
    await storeInventory(world, inventoryYaml(FIVE, null));
    for (const id of [...FIVE, 'ghost']) await publishStatus(world, id);
    const reconciler = await start({ autoDecommission: false });
    await eventually(() => started.calls.revoke.length === 1, 10_000, 'revoke');
    const after = reconciler.passes();
    await eventually(() => reconciler.passes() >= after + 3, 10_000, 'three more passes');
    expect(started.calls.approvals.map((a) => a.node_id)).toEqual(['ghost']);
    expect(started.calls.revoke).toEqual(['ghost']);
    const outcomes = eventsOf('reconcile.action_applied').map((e) => e.data['outcome']);
    expect(outcomes).toEqual(['approval_requested', 'applied']);
  });

  it('a denied decommission is not revoked nor asked again within the retry time', async () => {
    const started = await peersWith([], 'deny');
    await storeInventory(world, inventoryYaml(FIVE, null));
    for (const id of [...FIVE, 'ghost']) await publishStatus(world, id);
    const reconciler = await start({ autoDecommission: false });
    await eventually(() => started.calls.approvals.length === 1, 10_000, 'approval asked');
    const after = reconciler.passes();
    await eventually(() => reconciler.passes() >= after + 4, 10_000, 'four more passes');
    expect(started.calls.approvals).toHaveLength(1);
    expect(started.calls.revoke).toEqual([]);
  });
});

async function peersWith(agents: readonly string[], approvals?: 'approve' | 'deny') {
  const started = await startPeers(world, {
    agents,
    ...(approvals === undefined ? {} : { approvals }),
  });
  peers = started;
  return started;
}
