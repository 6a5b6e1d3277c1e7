import { describe, expect, it } from 'vitest';
import { loadVectors, type VectorCase } from '../conformance/vectors.js';
import { fedTrustBundle, inventoryYaml, runInProcess } from './in-process.js';

type Expect = Record<string, unknown>;

function parseJsonOut(out: string): Record<string, unknown> {
  const lines = out.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

/** Compares a CLI `{ok:false, error, ...}` against a vector's `{error, ...details}`. */
function expectError(got: Record<string, unknown>, want: Expect): void {
  expect(got['ok']).toBe(false);
  for (const [key, value] of Object.entries(want)) expect(got[key], key).toEqual(value);
  if (!('link' in want)) expect(got['link'], 'link').toBeUndefined();
}

describe('fedplane credential verify on credentials.json', () => {
  const v = loadVectors('credentials.json');
  const cases = v.cases.filter((c) => c.kind === 'verify' || c.kind === 'verify_chain');
  it.each(cases)('$name', async (c: VectorCase) => {
    const argv = [
      'credential',
      'verify',
      c['header'] as string,
      '--bundle',
      'b.json',
      '--now',
      String(c['now']),
      '--json',
    ];
    if (typeof c['chain'] === 'string') argv.push('--chain', c['chain']);
    const run = await runInProcess(argv, { 'b.json': fedTrustBundle(c['bundle'] as never) });
    const got = parseJsonOut(run.out);
    const want = c.expect as Expect;
    if ('ok' in want) {
      expect(run.code).toBe(0);
      expect(got['ok']).toBe(true);
      expect(got['claims']).toEqual(want['ok']);
    } else {
      expect(run.code).toBe(1);
      expectError(got, want);
    }
  });
  it('covers every verify and verify_chain case', () => {
    expect(cases.length).toBe(58);
  });
});

describe('fedplane inventory validate on inventory.json', () => {
  const v = loadVectors('inventory.json');
  it.each(v.cases)('$name', async (c: VectorCase) => {
    const run = await runInProcess(['inventory', 'validate', 'inv.yaml', '--json'], {
      'inv.yaml': c['yaml'] as string,
    });
    const got = parseJsonOut(run.out);
    const want = c.expect as Expect;
    if ('ok' in want) {
      expect(run.code).toBe(0);
      expect(got).toEqual({ ok: true, ...(want['ok'] as Expect) });
    } else {
      expect(run.code).toBe(1);
      expectError(got, want);
    }
  });
});

describe('fedplane plan on reconcile.json', () => {
  const v = loadVectors('reconcile.json');
  it.each(v.cases)('$name', async (c: VectorCase) => {
    const desired = c['desired'] as { nodes: string[]; require_sig: boolean | null };
    const argv = ['plan', '--inventory', 'inv.yaml', '--observed', 'obs.json', '--json'];
    if (c['previous_present_count'] !== undefined)
      argv.push('--previous-present', JSON.stringify(c['previous_present_count']));
    if (c['shrink_guard'] !== undefined)
      argv.push('--shrink-guard', JSON.stringify(c['shrink_guard']));
    const run = await runInProcess(argv, {
      'inv.yaml': inventoryYaml(desired.nodes, desired.require_sig),
      'obs.json': JSON.stringify(c['observed']),
    });
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const got = parseJsonOut(run.out) as {
      actions: { kind: string; id?: string }[];
      guards: { kind: string; reason: string }[];
    };
    const want = c.expect as { actions: { kind: string; id?: string }[]; guards: string[] };
    expect(
      got.actions.map((a) => (a.id === undefined ? { kind: a.kind } : { kind: a.kind, id: a.id })),
    ).toEqual(want.actions);
    expect(got.guards.map((g) => g.kind)).toEqual(want.guards);
    for (const g of got.guards) expect(g.reason.length).toBeGreaterThan(0);
  });
});

describe('fedplane approvals sign on hmac.json', () => {
  const v = loadVectors('hmac.json');
  const cases = v.cases.filter((c) => c.kind === 'sign');
  it.each(cases)('$name', async (c: VectorCase) => {
    const run = await runInProcess([
      'approvals',
      'sign',
      '--secret',
      c['secret'] as string,
      '--timestamp',
      c['timestamp'] as string,
      '--id',
      c['pending_id'] as string,
      '--body',
      c['body'] as string,
    ]);
    expect(run.code).toBe(0);
    expect(run.out.trim()).toBe((c.expect as Expect)['signature']);
  });
  it('signs a body file byte for byte', async () => {
    const c = cases[0]!;
    const run = await runInProcess(
      [
        'approvals',
        'sign',
        '--secret',
        c['secret'] as string,
        '--timestamp',
        c['timestamp'] as string,
        '--id',
        c['pending_id'] as string,
        '--body-file',
        'body.json',
        '--json',
      ],
      { 'body.json': c['body'] as string },
    );
    expect(parseJsonOut(run.out)).toEqual({
      signature: (c.expect as Expect)['signature'],
      timestamp: c['timestamp'],
      id: c['pending_id'],
    });
  });
});
