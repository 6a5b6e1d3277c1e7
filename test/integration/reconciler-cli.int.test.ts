import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketName, KvKey } from '@fedplane/messaging';
import type { Reconciler } from '../../services/reconciler/src/shell/start-reconciler.js';
import { runInProcess } from '../cli/in-process.js';
import {
  eventually,
  holdLease,
  inventoryYaml,
  publishStatus,
  startInProcess,
  startWorld,
  testSettings,
  type ReconcilerWorld,
} from './reconciler-fixtures.js';

/**
 * `fedplane inventory apply` and `fedplane plan --live` (through the same `runCli` the binary
 * runs) against a real NATS server and a running reconciler (standby: the dry run is served by
 * every instance).
 */

let world: ReconcilerWorld;
let reconciler: Reconciler;
const savedNatsUrl = process.env['NATS_URL'];

beforeAll(async () => {
  world = await startWorld();
  process.env['NATS_URL'] = world.nats.url;
  await holdLease(world);
  reconciler = await startInProcess(world, 'cli', testSettings());
  for (const id of ['region/nyc/n1', 'region/nyc/n2']) await publishStatus(world, id);
});
afterAll(async () => {
  if (savedNatsUrl === undefined) delete process.env['NATS_URL'];
  else process.env['NATS_URL'] = savedNatsUrl;
  await reconciler.stop();
  await world.stop();
});

async function stored(): Promise<string | undefined> {
  const kv = await world.bus.kvm.open(BucketName.inventory);
  const entry = await kv.get(KvKey.desired);
  return entry === null || entry.operation !== 'PUT' ? undefined : entry.string();
}

describe('fedplane inventory apply / plan --live', () => {
  it('an invalid inventory is refused with every violation and stores nothing', async () => {
    const bad = 'trust_domain: ""\nquorum: { width: 0 }\n';
    const run = await runInProcess(['inventory', 'apply', 'bad.yaml', '--json'], {
      'bad.yaml': bad,
    });
    expect(run.code).toBe(1);
    const out = JSON.parse(run.out) as { ok: boolean; violations: unknown[] };
    expect(out.ok).toBe(false);
    expect(out.violations.length).toBeGreaterThanOrEqual(2);
    expect(await stored()).toBeUndefined();
  });

  it('plan --live without a stored inventory is a typed failure', async () => {
    const run = await runInProcess(['plan', '--live', '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.out)).toMatchObject({ ok: false, error: 'NOT_FOUND' });
  });

  it('applies a valid inventory; the reconciler plans against it live', async () => {
    const yaml = inventoryYaml(['region/nyc/n1', 'region/nyc/n2', 'region/nyc/n3'], true);
    const run = await runInProcess(['inventory', 'apply', 'inv.yaml', '--json'], {
      'inv.yaml': yaml,
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ ok: true, nodes: 3, require_sig: true });
    expect(JSON.parse((await stored()) ?? '{}')).toMatchObject({ yaml });

    const live = await eventually(async () => {
      const r = await runInProcess(['plan', '--live', '--json']);
      return r.code === 0
        ? (JSON.parse(r.out) as { actions: unknown[]; observation: unknown })
        : undefined;
    });
    expect(live.actions).toEqual([{ kind: 'enroll_node', id: 'region/nyc/n3' }]);
    expect(live.observation).toMatchObject({ desired: 3, observed: 2, present: 2, can_sign: 2 });

    const text = await runInProcess(['plan', '--live']);
    expect(text.out).toContain('enroll_node region/nyc/n3');
  });

  it('plan --live --inventory FILE plans for the given file instead', async () => {
    const yaml = inventoryYaml(['region/nyc/n1', 'region/nyc/n2'], true);
    const run = await runInProcess(['plan', '--live', '--inventory', 'two.yaml', '--json'], {
      'two.yaml': yaml,
    });
    expect(run.code).toBe(0);
    const reply = JSON.parse(run.out) as { actions: { kind: string }[] };
    expect(reply.actions.map((a) => a.kind)).toEqual(['enable_strict']);
    const usage = await runInProcess(['plan', '--live', '--observed', 'x.json']);
    expect(usage.code).toBe(2);
  });
});
