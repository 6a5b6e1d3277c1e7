import { afterAll, expect, it } from 'vitest';
import { parseInventory } from '../../packages/core/src/inventory.js';
import { loadVectors, type VectorCase } from './vectors.js';

const v = loadVectors('inventory.json');
afterAll(() => v.assertAllRan());

type Expected =
  | { ok: { nodes: number; require_sig: boolean | null } }
  | ({ error: string } & Record<string, unknown>);

function runParse(c: VectorCase): void {
  const yaml = c.yaml;
  if (typeof yaml !== 'string') throw new Error(`${c.name}: yaml is not a string`);
  const expected = c.expect as Expected;
  const result = parseInventory(yaml);
  if ('ok' in expected) {
    expect(result.ok ? null : result.error, 'expected success').toBeNull();
    if (!result.ok) return;
    expect({ nodes: result.value.nodes.length, require_sig: result.value.requireSig }).toEqual(
      expected.ok,
    );
    return;
  }
  expect(result.ok, 'expected an error').toBe(false);
  if (result.ok) return;
  const error = result.error as Record<string, unknown>;
  expect(error.tag).toBe(expected.error);
  for (const [key, value] of Object.entries(expected)) {
    if (key !== 'error') expect(error[key], `detail ${key}`).toEqual(value);
  }
}

it.each(v.cases)('$name', (c) => {
  // The inventory vectors carry no `kind`: every case is a parse of `yaml`.
  switch (c.kind ?? 'parse') {
    case 'parse':
      runParse(c);
      break;
    default:
      throw new Error(`unknown case kind ${String(c.kind)}`);
  }
  v.ran(c.name);
});
