import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '@fedplane/core';
import { BucketName, KvKey } from '@fedplane/messaging';
import type { Reconciler } from '../../services/reconciler/src/shell/start-reconciler.js';
import {
  askPlan,
  eventually,
  holdLease,
  inventoryYaml,
  startInProcess,
  startWorld,
  storeInventory,
  testSettings,
  type ReconcilerWorld,
} from './reconciler-fixtures.js';
import { recordingLog } from './messaging-fixtures.js';

/**
 * The inventory sources of the running reconciler: KV `fed-inventory` and the watched
 * `RECONCILER_INVENTORY_PATH`; a new value takes effect without a restart, an invalid one is
 * refused and the previous inventory stays.
 */

let world: ReconcilerWorld;
let dir = '';
const running: Reconciler[] = [];

beforeAll(async () => {
  world = await startWorld();
  await holdLease(world);
  dir = mkdtempSync(join(tmpdir(), 'fedplane-reconciler-inv-'));
});
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await world.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Desired node count of the running reconciler's plan; -1 while it holds no inventory yet. */
async function desiredCount(): Promise<number> {
  try {
    return (await askPlan(world)).observation.desired;
  } catch (err) {
    if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) return -1;
    throw err;
  }
}

describe('inventory sources', () => {
  it('KV: applied live; an invalid value or a delete keeps the previous inventory', async () => {
    const rec = recordingLog();
    running.push(await startInProcess(world, 'inv-kv', testSettings(), rec.log));
    await storeInventory(world, inventoryYaml(['region/nyc/n1', 'region/nyc/n2'], null));
    await eventually(async () => (await desiredCount()) === 2, 10_000, 'two nodes');
    const kv = await world.bus.kvm.open(BucketName.inventory);
    await kv.put(
      KvKey.desired,
      JSON.stringify({ yaml: 'trust_domain: x\n', sha256: '00'.repeat(32) }),
    );
    await kv.put(KvKey.desired, JSON.stringify({ yaml: 'quorum: 1\n', sha256: 'ab'.repeat(32) }));
    await kv.delete(KvKey.desired);
    await eventually(
      () => rec.lines.some((l) => l.msg === 'inventory deletion ignored'),
      10_000,
      'delete seen',
    );
    expect(rec.lines.filter((l) => l.msg === 'inventory refused, previous kept')).toHaveLength(2);
    expect(await desiredCount()).toBe(2);
    await storeInventory(world, inventoryYaml(['region/nyc/n1'], null));
    await eventually(async () => (await desiredCount()) === 1, 10_000, 'one node');
    await running.pop()?.stop();
  });

  it('file: read at start and watched; an invalid edit keeps the previous inventory', async () => {
    const path = join(dir, 'inventory.yaml');
    writeFileSync(path, inventoryYaml(['region/nyc/n1', 'region/nyc/n2', 'region/nyc/n3'], true));
    const rec = recordingLog();
    running.push(
      await startInProcess(world, 'inv-file', testSettings({ inventoryPath: path }), rec.log),
    );
    await eventually(async () => (await desiredCount()) === 3, 10_000, 'three nodes');
    writeFileSync(path, 'trust_domain: ""\nquorum: { width: 0 }\n');
    await eventually(
      () => rec.lines.some((l) => l.msg === 'inventory refused, previous kept'),
      10_000,
      'refusal',
    );
    expect(await desiredCount()).toBe(3);
    writeFileSync(path, inventoryYaml(['region/nyc/n1'], true));
    await eventually(async () => (await desiredCount()) === 1, 10_000, 'one node');
  });
});
