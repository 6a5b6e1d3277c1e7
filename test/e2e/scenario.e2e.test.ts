import { withPool } from '@fedplane/testkit';
import type { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeRecords } from './fleet-writes.js';
import { runFedplane } from './plane-cli.js';
import {
  auditRows,
  collectEvents,
  credentialIssuer,
  credentialProblem,
  firstRow,
  replicas,
  until,
  watchPlane,
  type SeenEvent,
} from './plane-checks.js';
import {
  applyFleetInventory,
  decommissionNode,
  enrollNodes,
  reachStrict,
  rotateIssuerKey,
  startNodes,
} from './scenario-steps.js';
import { startPlane, type Plane } from './topology.js';

/**
 * The whole plane as OS processes (2 issuers, 2 auditors, 2 reconcilers, 2 approvals, 5 nodes
 * each with a renewal-agent and a sync-gateway; a 3-server NATS cluster with streams at replicas
 * 3; Postgres): inventory of 5 nodes with require_sig, enrollment, strict, 5,000 records through
 * random gateways, a decommission approved over HTTP with HMAC, an issuer key rotation; then every
 * replica identical, every credential in use verifies, the audit chain verifies and tells the
 * story in a causally consistent order.
 */

const RECORDS = 5_000;

let plane: Plane;
let pool: Pool;
let events: SeenEvent[];
let stopEvents: () => void = () => undefined;
let failed = false;

beforeAll(async () => {
  plane = await startPlane({ nodes: 5 });
  const collector = collectEvents(plane.bus);
  events = collector.events;
  stopEvents = () => collector.stop();
  pool = withPool(plane.db.url, 4);
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  stopEvents();
  if (failed) console.log(`e2e logs kept in ${plane.keepLogs('scenario')}`);
  await pool?.end();
  await plane?.stop();
});

describe('the plane end to end', () => {
  it('converges, replicates, decommissions, rotates, and audits it all', async () => {
    const nodes = plane.nodes;
    const [keep, gone] = [nodes.slice(0, 4), nodes[4]];
    if (gone === undefined) throw new Error('five nodes expected');

    await applyFleetInventory(plane, nodes, events);
    await enrollNodes(plane, nodes);
    await startNodes(plane, nodes);
    await reachStrict(events);
    const { trust, posture } = await watchPlane(plane.bus);
    await until(() => posture.current().posture?.require_sig === true, 20_000, 'strict posture');

    const writes = await writeRecords({ nodes, count: RECORDS, prefix: 'e2e' });
    if (writes.failures.length > 0) console.log('pushes retried', writes.failures);
    expect(writes.unacked).toEqual([]);
    expect(writes.acked).toHaveLength(RECORDS);

    const pendingId = await decommissionNode(plane, keep, gone, events);
    await Promise.all([
      plane.process(`agent-${gone.short}`).stop(),
      plane.process(`gateway-${gone.short}`).stop(),
    ]);

    const rotation = await rotateIssuerKey(plane);
    // After activation, the nodes' next renewals are signed by the new key.
    await until(
      () => keep.every((n) => credentialIssuer(n) === rotation.issuerId),
      150_000,
      'every remaining node renewed under the rotated issuer key',
    );

    // Every replica identical, holding every acknowledged record once.
    const acked = new Set(writes.acked);
    const same = await until(
      async () => {
        const all = await replicas(pool, keep);
        const digests = [...all.values()].map((rows) => rows.join('\n'));
        const first = [...all.values()][0] ?? [];
        const complete = [...acked].every((id) => first.some((row) => row.startsWith(`${id}:`)));
        return digests.every((d) => d === digests[0]) && complete ? all : undefined;
      },
      60_000,
      'every replica identical and complete',
    );
    for (const rows of same.values()) expect(rows.length).toBe(acked.size);

    // Every credential in use verifies against the live bundle.
    const bundle = trust.current();
    if (bundle === undefined) throw new Error('no trust bundle');
    for (const node of keep)
      expect({ node: node.id, problem: credentialProblem(node, bundle) }).toEqual({
        node: node.id,
        problem: null,
      });

    // The audit chain has every event seen on the bus, verifies, and is causally ordered.
    const seen = events.map((e) => e.id);
    const rows = await until(
      async () => {
        const all = await auditRows(pool);
        const ids = new Set(all.map((r) => r.eventId));
        return seen.every((id) => ids.has(id)) ? all : undefined;
      },
      60_000,
      'the auditor chains every event',
    );
    const verify = await runFedplane(['audit', 'verify', '--json'], plane.cliEnv());
    expect({ code: verify.code, out: verify.stdout }).toMatchObject({ code: 0 });

    const at = (type: string, subject?: string): number =>
      firstRow(rows, (r) => r.type === type && (subject === undefined || r.subject === subject))
        ?.seq ?? Number.NaN;
    const strictSeq =
      firstRow(rows, (r) => r.type === 'enforcement.changed' && r.data['require_sig'] === true)
        ?.seq ?? Number.NaN;
    for (const node of nodes) {
      const enrolled = at('node.enrolled', node.id);
      const issued = at('credential.issued', node.id);
      expect({ node: node.id, enrolled, issued, strictSeq }).toEqual({
        node: node.id,
        enrolled: expect.any(Number) as number,
        issued: expect.any(Number) as number,
        strictSeq: expect.any(Number) as number,
      });
      expect(enrolled).toBeLessThan(issued);
      expect(issued).toBeLessThan(strictSeq);
    }
    expect(at('reconcile.planned')).toBeLessThan(strictSeq);
    for (const node of keep) expect(at('credential.renewed', node.id)).toBeGreaterThan(0);
    // approval.requested names the action's target; the decision names the pending action.
    const requested = at('approval.requested', gone.id);
    const decided = at('approval.decided', pendingId);
    const revoked = at('node.revoked', gone.id);
    expect(requested).toBeLessThan(decided);
    expect(decided).toBeLessThan(revoked);
    expect(at('issuer.key_rotated')).toBeGreaterThan(0);

    // Every process ran as its own least-privilege NATS user (deploy/nats.conf's permissions,
    // generated for this fleet) and none was ever refused a publish or a subscription.
    const refusals = [...plane.processes.values()].flatMap((proc) =>
      proc.lines
        .map((line) => JSON.stringify(line))
        .filter((text) => /permissions? violation/i.test(text))
        .map((text) => `${proc.spec.name}: ${text.slice(0, 300)}`),
    );
    expect(refusals).toEqual([]);
    await trust.stop();
    await posture.stop();
  });
});
