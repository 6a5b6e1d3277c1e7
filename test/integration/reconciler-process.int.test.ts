import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_SERVICE_SECRET } from '@fedplane/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  askPlan,
  eventually,
  inventoryYaml,
  publishStatus,
  startWorld,
  storeInventory,
  type ReconcilerWorld,
} from './reconciler-fixtures.js';
import { startPeers, type PeerCalls } from './reconciler-peers.js';
import { expectVerifiedReadyStatus } from './service-status-check.js';

/**
 * Two reconcilers as real processes (`services/reconciler/src/main.ts` under tsx's loader, as
 * `pnpm --filter @fedplane/reconciler start` runs it), attesting their own identities with the
 * test issuer: exactly one applies; SIGKILL it and the other takes over within one lease period
 * and, reading the shared action journal, applies nothing twice.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'services/reconciler/src/main.ts');
const LEASE_TTL_MS = 3_000;
const FIVE = ['region/nyc/n1', 'region/nyc/n2', 'region/nyc/n3', 'region/nyc/n4', 'region/nyc/n5'];

type Running = {
  readonly instance: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
};

let world: ReconcilerWorld;
let calls: PeerCalls;
let stopPeers: () => Promise<void> = () => Promise.resolve();
const children: Running[] = [];

function startProcess(instance: string): Running {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@fedplane/source', MAIN],
    {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        NATS_URL: world.nats.url,
        SERVICE_SECRET: TEST_SERVICE_SECRET,
        INSTANCE_ID: instance,
        HEALTH_PORT: '0',
        HEALTH_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        RECONCILER_LEASE_TTL: `${LEASE_TTL_MS}ms`,
        RECONCILER_INTERVAL: '500ms',
        RECONCILER_DEBOUNCE: '50ms',
        RECONCILER_AUTO_DECOMMISSION: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const running = { instance, child, output: () => out, exited };
  children.push(running);
  return running;
}

beforeAll(async () => {
  world = await startWorld();
  const peers = await startPeers(world);
  calls = peers.calls;
  stopPeers = () => peers.stop();
});
afterAll(async () => {
  for (const c of children) c.child.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  await stopPeers();
  await world.stop();
});

async function verifiedReadyStatus(instance: string, sinceMs: number): Promise<void> {
  const body = await expectVerifiedReadyStatus({
    jsm: world.bus.jsm,
    trust: world.trust,
    service: 'reconciler',
    instance,
    sinceMs,
  });
  expect(body.agent_version).toBe('0.1.0');
}

function appliedBy(): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const e of world.events.filter((x) => x.type === 'reconcile.action_applied')) {
    const list = by.get(e.actor) ?? [];
    list.push(JSON.stringify(e.data['action']));
    by.set(e.actor, list);
  }
  return by;
}

describe('the reconciler as two processes', () => {
  it('exactly one applies; after SIGKILL the other takes over and applies nothing twice', async () => {
    await storeInventory(world, inventoryYaml([...FIVE, 'region/nyc/n6', 'region/nyc/n7'], null));
    for (const id of FIVE) await publishStatus(world, id);
    const startedMs = Date.now();
    const a = startProcess('proc-a');
    const b = startProcess('proc-b');
    const leading = (r: Running) => r.output().includes('"reconciler leading"');
    const first = await eventually(
      () => (leading(a) ? a : leading(b) ? b : undefined),
      40_000,
      'a leader',
    );
    const standby = first === a ? b : a;
    await eventually(() => calls.enroll.length === 2, 20_000, 'two enrollments');
    // Both serve the dry run; several passes later still one enrollment per node, one applier.
    await eventually(
      () => standby.output().includes('"reconciler started"'),
      30_000,
      'standby started',
    );
    // Leader and standby each publish their signed instance status.
    await verifiedReadyStatus('proc-a', startedMs);
    await verifiedReadyStatus('proc-b', startedMs);
    const plan = await askPlan(world);
    expect(plan.actions.map((x) => x.kind)).toEqual(['enroll_node', 'enroll_node']);
    await new Promise((r) => setTimeout(r, 1_500));
    expect([...calls.enroll].sort()).toEqual(['region/nyc/n6', 'region/nyc/n7']);
    expect([...appliedBy().keys()]).toEqual([`svc/reconciler/${first.instance}`]);
    expect(leading(standby)).toBe(false);

    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const killedAt = Date.now();
    await storeInventory(
      world,
      inventoryYaml([...FIVE, 'region/nyc/n6', 'region/nyc/n7', 'region/nyc/n8'], null),
    );
    // The standby takes over once the lease expires (one lease period, plus its poll).
    await eventually(() => leading(standby), LEASE_TTL_MS * 3, 'takeover');
    const takeoverMs = Date.now() - killedAt;
    await eventually(() => calls.enroll.includes('region/nyc/n8'), 10_000, 'enroll n8');
    await new Promise((r) => setTimeout(r, 1_500));
    // The new leader read the journal: n6 and n7 were not enrolled again.
    expect([...calls.enroll].sort()).toEqual(['region/nyc/n6', 'region/nyc/n7', 'region/nyc/n8']);
    const by = appliedBy();
    expect(by.get(`svc/reconciler/${standby.instance}`)).toEqual([
      JSON.stringify({ kind: 'enroll_node', id: 'region/nyc/n8' }),
    ]);
    expect(standby.output()).toContain('"takeover_from":"svc/reconciler/' + first.instance);
    console.log(`reconciler takeover after SIGKILL: ${takeoverMs} ms (lease ${LEASE_TTL_MS} ms)`);
  });
});
