import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPlanEffects, modelEvidence, presentCount, reconcile } from './reconcile.js';
import type {
  ReconcileAction,
  DesiredState,
  ObservedNode,
  ObservedState,
  ReconcilePlan,
} from './reconcile.js';
import { evaluateShrinkGuard } from './reconcile-guards.js';

const ev = (id: string) => ({
  credentialId: `cred-${id}`,
  notAfter: 2_000,
  statusAt: '2030-01-01T00:00:00Z',
});
const ready = (id: string): ObservedNode => ({
  id,
  present: true,
  canSign: true,
  evidence: ev(id),
});
const node = (id: string, present: boolean, canSign: boolean): ObservedNode => ({
  id,
  present,
  canSign,
  ...(canSign && { evidence: ev(id) }),
});
const kinds = (plan: ReconcilePlan) =>
  plan.actions.map((a) => ('id' in a ? `${a.kind}:${a.id}` : a.kind));

describe('reconcile: table', () => {
  it.each<[string, DesiredState, ObservedState, string[]]>([
    [
      'converged',
      { nodes: ['a'], requireSig: true },
      { nodes: [ready('a')], strictEnforced: true },
      [],
    ],
    [
      'enroll, issue, decommission, disable in order',
      { nodes: ['a', 'b', 'c'], requireSig: false },
      {
        nodes: [node('x', false, false), node('c', true, false), node('b', false, true)],
        strictEnforced: true,
      },
      [
        'enroll_node:a',
        'enroll_node:b',
        'issue_credential:c',
        'decommission_node:x',
        'disable_strict',
      ],
    ],
    [
      'null posture never toggles',
      { nodes: ['a'], requireSig: null },
      { nodes: [ready('a')], strictEnforced: false },
      [],
    ],
    [
      'repeated ids count once',
      { nodes: ['a', 'a'], requireSig: false },
      {
        nodes: [node('x', true, true), node('x', false, false), node('a', false, false)],
        strictEnforced: false,
      },
      ['enroll_node:a', 'decommission_node:x'],
    ],
    [
      'first observation of a repeated id wins',
      { nodes: ['a'], requireSig: false },
      { nodes: [node('a', true, false), node('a', true, true)], strictEnforced: false },
      ['issue_credential:a'],
    ],
  ])('%s', (_label, desired, observed, expected) => {
    expect(kinds(reconcile(desired, observed))).toEqual(expected);
  });

  it('enable_strict carries the evidence of every desired node, in inventory order', () => {
    const plan = reconcile(
      { nodes: ['b', 'a'], requireSig: true },
      { nodes: [ready('a'), ready('b'), ready('ghost')], strictEnforced: false },
    );
    expect(plan).toEqual({
      actions: [
        { kind: 'decommission_node', id: 'ghost' },
        {
          kind: 'enable_strict',
          evidence: [
            {
              node_id: 'b',
              credential_id: 'cred-b',
              not_after: 2_000,
              status_at: '2030-01-01T00:00:00Z',
            },
            {
              node_id: 'a',
              credential_id: 'cred-a',
              not_after: 2_000,
              status_at: '2030-01-01T00:00:00Z',
            },
          ],
        },
      ],
      guards: [],
    });
  });

  it('enable_strict lists the evidence of the nodes that carry it, and only those', () => {
    const plan = reconcile(
      { nodes: ['a', 'b'], requireSig: true },
      { nodes: [ready('a'), { id: 'b', present: true, canSign: true }], strictEnforced: false },
    );
    expect(plan.guards).toEqual([]);
    expect(plan.actions).toHaveLength(1);
    const [action] = plan.actions;
    expect(action?.kind).toBe('enable_strict');
    if (action?.kind === 'enable_strict') {
      expect(action.evidence.map((e) => e.node_id)).toEqual(['a']);
    }
  });

  it('the shrink guard withholds decommissions and names them, keeping every other action', () => {
    const plan = reconcile(
      { nodes: ['a', 'b'], requireSig: false },
      {
        nodes: [node('a', true, false), node('g1', false, true), node('g2', true, true)],
        strictEnforced: true,
      },
      { presentCount: 10 },
    );
    expect(kinds(plan)).toEqual(['enroll_node:b', 'issue_credential:a', 'disable_strict']);
    expect(plan.guards).toEqual([
      {
        kind: 'shrink_guard',
        reason: 'present nodes fell from 10 to 2 (80% > 30%); no node is decommissioned this pass',
        withheld: ['g1', 'g2'],
      },
    ]);
  });

  it('states both shrink conditions when both hold', () => {
    const plan = reconcile(
      { nodes: ['a'], requireSig: null },
      { nodes: [], strictEnforced: false },
      { presentCount: 3 },
    );
    expect(plan.guards).toHaveLength(1);
    expect(plan.guards[0]?.reason).toMatch(
      /no node is observed present.*; present nodes fell from 3 to 0 \(100% > 30%\)/,
    );
  });

  it.each([Number.NaN, -0.1, 1.5])('rejects shrinkGuard %d as a config bug', (shrinkGuard) => {
    expect(() =>
      reconcile({ nodes: [], requireSig: null }, { nodes: [], strictEnforced: false }, undefined, {
        shrinkGuard,
      }),
    ).toThrow(RangeError);
  });

  it.each([
    [0, 0, false],
    [-5, 0, false],
    [1, 0, true],
    [1, 1, false],
    [10, 7, false],
    [10, 6, true],
    [3, 2, true],
    [100, 70, false],
  ])('previous %i → present %i: guard %s at 30%%', (previous, present, holds) => {
    expect(
      evaluateShrinkGuard({
        desiredCount: 0,
        presentCount: present,
        previousPresentCount: previous,
        fraction: 0.3,
      }).holds,
    ).toBe(holds);
  });
});

describe('applyPlanEffects (model)', () => {
  it('enrolls (updating or appending), issues, decommissions and toggles strict', () => {
    const observed: ObservedState = {
      nodes: [node('a', false, false), node('b', true, false), node('x', true, true)],
      strictEnforced: false,
    };
    const actions: ReconcileAction[] = [
      { kind: 'enroll_node', id: 'a' },
      { kind: 'enroll_node', id: 'n' },
      { kind: 'issue_credential', id: 'b' },
      { kind: 'issue_credential', id: 'unknown' },
      { kind: 'decommission_node', id: 'x' },
      { kind: 'enable_strict', evidence: [] },
    ];
    const after = applyPlanEffects(observed, { actions, guards: [] });
    expect(after).toEqual({
      nodes: [
        { id: 'a', present: true, canSign: true, evidence: modelEvidence('a') },
        { id: 'b', present: true, canSign: true, evidence: modelEvidence('b') },
        { id: 'n', present: true, canSign: true, evidence: modelEvidence('n') },
      ],
      strictEnforced: true,
    });
    expect(
      applyPlanEffects(after, { actions: [{ kind: 'disable_strict' }], guards: [] }).strictEnforced,
    ).toBe(false);
    expect(observed.nodes).toHaveLength(3); // input untouched
  });
});

// ---- properties -------------------------------------------------------------------------------

const POOL = ['a', 'b', 'c', 'd', 'e', 'x', 'y'];
const evidenceArb = fc.record({
  credentialId: fc.stringMatching(/^[0-9a-f]{4,8}$/),
  notAfter: fc.nat(),
  statusAt: fc.constantFrom('2030-01-01T00:00:00Z', '2030-01-01T00:00:01.5+02:00'),
});
/** Biased towards ready nodes, so the interesting "all ready" states are common. */
const mostlyTrue = fc.oneof(
  { arbitrary: fc.constant(true), weight: 4 },
  { arbitrary: fc.constant(false), weight: 1 },
);
/** Observed nodes; `withEvidence` says whether able-to-sign nodes always carry evidence. */
function observedArb(withEvidence: boolean): fc.Arbitrary<ObservedState> {
  const nodeArb = fc
    .record({
      id: fc.constantFrom(...POOL),
      present: mostlyTrue,
      canSign: mostlyTrue,
      evidence: withEvidence ? evidenceArb : fc.option(evidenceArb, { nil: undefined, freq: 8 }),
    })
    .map(({ evidence, ...n }): ObservedNode =>
      evidence !== undefined && n.canSign ? { ...n, evidence } : n,
    );
  return fc.record({
    nodes: fc.uniqueArray(nodeArb, { selector: (n) => n.id, maxLength: POOL.length }),
    strictEnforced: fc.boolean(),
  });
}
const desiredArb: fc.Arbitrary<DesiredState> = fc.record({
  nodes: fc.uniqueArray(fc.constantFrom(...POOL), { maxLength: 5 }),
  requireSig: fc.constantFrom(true, false, null),
});
const previousArb = fc.option(fc.record({ presentCount: fc.nat(10) }), { nil: undefined });
/** Shrink-guard fraction as an integer percent, so the test can compare exactly in integers. */
const percentArb = fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined });
const optionsOf = (percent: number | undefined) =>
  percent === undefined ? undefined : { shrinkGuard: percent / 100 };

/** Independent statement of the shrink-guard condition, in integer arithmetic. */
function shrinkHolds(
  desired: DesiredState,
  present: number,
  previous: number | undefined,
  percent = 30,
) {
  const listed = new Set(desired.nodes).size;
  if (present === 0 && listed > 0) return true;
  return previous !== undefined && (previous - present) * 100 > percent * previous;
}

const RANK: Record<ReconcileAction['kind'], number> = {
  enroll_node: 0,
  issue_credential: 1,
  decommission_node: 2,
  disable_strict: 3,
  enable_strict: 4,
};

describe('reconcile: properties', () => {
  it('(a) idempotence: the state a plan produces needs at most the withheld or deferred work, then nothing', () => {
    fc.assert(
      fc.property(
        desiredArb,
        observedArb(true),
        previousArb,
        percentArb,
        (desired, o1, previous, pct) => {
          const options = optionsOf(pct);
          const p1 = reconcile(desired, o1, previous, options);
          const o2 = applyPlanEffects(o1, p1);
          const p2 = reconcile(desired, o2, { presentCount: presentCount(o2) }, options);

          const withheld = p1.guards.flatMap((g) => (g.kind === 'shrink_guard' ? g.withheld : []));
          const deferredStrict =
            desired.requireSig === true &&
            !o1.strictEnforced &&
            !p1.actions.some((a) => a.kind === 'enable_strict');
          expect(kinds(p2)).toEqual([
            ...withheld.map((id) => `decommission_node:${id}`),
            ...(deferredStrict ? ['enable_strict'] : []),
          ]);
          expect(p2.guards).toEqual([]); // the guard cannot hold: nothing shrank, desired nodes are present

          const o3 = applyPlanEffects(o2, p2);
          expect(reconcile(desired, o3, { presentCount: presentCount(o3) }, options)).toEqual({
            actions: [],
            guards: [],
          });
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('(a′) without withheld or deferred work, one pass converges to an empty plan', () => {
    fc.assert(
      fc.property(desiredArb, observedArb(true), previousArb, (desired, o1, previous) => {
        const p1 = reconcile(desired, o1, previous);
        fc.pre(p1.guards.length === 0);
        fc.pre(
          !(
            desired.requireSig === true &&
            !o1.strictEnforced &&
            p1.actions.every((a) => a.kind !== 'enable_strict')
          ),
        );
        const o2 = applyPlanEffects(o1, p1);
        expect(reconcile(desired, o2, { presentCount: presentCount(o2) })).toEqual({
          actions: [],
          guards: [],
        });
      }),
    );
  });

  it('(b) enable_strict only when requireSig, not strict, every desired node present and signing', () => {
    fc.assert(
      fc.property(desiredArb, observedArb(false), previousArb, (desired, observed, previous) => {
        const plan = reconcile(desired, observed, previous);
        const byId = new Map(observed.nodes.map((n) => [n.id, n]));
        const allReady = desired.nodes.every(
          (id) => byId.get(id)?.present === true && byId.get(id)?.canSign === true,
        );
        const enabled = plan.actions.some((a) => a.kind === 'enable_strict');
        expect(enabled).toBe(desired.requireSig === true && !observed.strictEnforced && allReady);
        const disabled = plan.actions.some((a) => a.kind === 'disable_strict');
        expect(disabled).toBe(desired.requireSig === false && observed.strictEnforced);
      }),
      { numRuns: 1_000 },
    );
  });

  it('(c) no decommission while the shrink guard holds; the guard is reported exactly when it holds', () => {
    fc.assert(
      fc.property(
        desiredArb,
        observedArb(false),
        previousArb,
        percentArb,
        (desired, observed, previous, pct) => {
          const plan = reconcile(desired, observed, previous, optionsOf(pct));
          const holds = shrinkHolds(desired, presentCount(observed), previous?.presentCount, pct);
          const shrinkGuards = plan.guards.filter((g) => g.kind === 'shrink_guard');
          expect(shrinkGuards.length).toBe(holds ? 1 : 0);
          if (holds) expect(plan.actions.some((a) => a.kind === 'decommission_node')).toBe(false);
          else {
            const extra = observed.nodes
              .map((n) => n.id)
              .filter((id) => !desired.nodes.includes(id));
            expect(
              plan.actions
                .filter((a) => a.kind === 'decommission_node')
                .map((a) => 'id' in a && a.id),
            ).toEqual(extra);
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('(d) actions are ordered enroll*, issue*, decommission*, disable?, enable?, with no repeats', () => {
    fc.assert(
      fc.property(
        desiredArb,
        observedArb(false),
        previousArb,
        percentArb,
        (desired, observed, previous, pct) => {
          const plan = reconcile(desired, observed, previous, optionsOf(pct));
          const ranks = plan.actions.map((a) => RANK[a.kind]);
          expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
          expect(new Set(kinds(plan)).size).toBe(plan.actions.length);
          expect(
            plan.actions.filter((a) => a.kind === 'enable_strict' || a.kind === 'disable_strict')
              .length,
          ).toBeLessThanOrEqual(1);
          const touched = plan.actions.flatMap((a) => ('id' in a ? [a.id] : []));
          expect(new Set(touched).size).toBe(touched.length); // one action per node at most
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('never throws on arbitrary well-typed input with odd ids and counts (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { maxLength: 6 }),
        fc.array(fc.record({ id: fc.string(), present: fc.boolean(), canSign: fc.boolean() }), {
          maxLength: 6,
        }),
        fc.option(fc.record({ presentCount: fc.double() }), { nil: undefined }),
        (ids, nodes, previous) => {
          const plan = reconcile(
            { nodes: ids, requireSig: true },
            { nodes, strictEnforced: false },
            previous,
          );
          expect(Array.isArray(plan.actions)).toBe(true);
        },
      ),
    );
  });
});
