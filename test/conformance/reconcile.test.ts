import { afterAll, expect, it } from 'vitest';
import {
  reconcile,
  type NodeEvidence,
  type ObservedNode,
  type ReconcileOptions,
} from '../../packages/core/src/reconcile.js';
import { loadVectors, type VectorCase } from './vectors.js';

const v = loadVectors('reconcile.json');
afterAll(() => v.assertAllRan());

type CaseInput = {
  desired: { nodes: string[]; require_sig: boolean | null };
  observed: {
    nodes: { id: string; present: boolean; can_sign: boolean }[];
    strict_enforced: boolean;
  };
  previous_present_count?: number;
  shrink_guard?: number;
};
type Expected = { actions: { kind: string; id?: string }[]; guards: string[] };

/**
 * The vectors leave evidence unfixed. Each case runs twice: on the vector's observation as given
 * (no evidence: `enable_strict` lists none), and with a deterministic evidence attached to every
 * node able to sign (as the service's observation builder does), where `enable_strict` must carry
 * one entry per desired node in inventory order.
 */
function evidenceFor(id: string): NodeEvidence {
  return { credentialId: `cred:${id}`, notAfter: 2_000_000_000, statusAt: '2030-03-17T17:46:40Z' };
}

function runReconcile(c: VectorCase, withEvidence: boolean): void {
  const input = c as unknown as CaseInput;
  const expected = c.expect as Expected;
  const observedNodes = input.observed.nodes.map((n): ObservedNode => ({
    id: n.id,
    present: n.present,
    canSign: n.can_sign,
    ...(withEvidence && n.can_sign && { evidence: evidenceFor(n.id) }),
  }));
  const options: ReconcileOptions | undefined =
    input.shrink_guard === undefined ? undefined : { shrinkGuard: input.shrink_guard };
  const plan = reconcile(
    { nodes: input.desired.nodes, requireSig: input.desired.require_sig },
    { nodes: observedNodes, strictEnforced: input.observed.strict_enforced },
    input.previous_present_count === undefined
      ? undefined
      : { presentCount: input.previous_present_count },
    options,
  );
  expect(
    plan.actions.map((a) => ('id' in a ? { kind: a.kind, id: a.id } : { kind: a.kind })),
  ).toEqual(expected.actions);
  expect(plan.guards.map((g) => g.kind)).toEqual(expected.guards);
  for (const guard of plan.guards) expect(guard.reason.length).toBeGreaterThan(0);
  // enable_strict carries one evidence entry per desired node, in inventory order.
  for (const action of plan.actions) {
    if (action.kind !== 'enable_strict') continue;
    expect(action.evidence).toEqual(
      (withEvidence ? input.desired.nodes : []).map((id) => ({
        node_id: id,
        credential_id: evidenceFor(id).credentialId,
        not_after: evidenceFor(id).notAfter,
        status_at: evidenceFor(id).statusAt,
      })),
    );
  }
}

it.each(v.cases)('$name', (c) => {
  // The reconcile vectors carry no `kind`: every case is one reconcile pass.
  switch (c.kind ?? 'reconcile') {
    case 'reconcile':
      runReconcile(c, false);
      runReconcile(c, true);
      break;
    default:
      throw new Error(`unknown case kind ${String(c.kind)}`);
  }
  v.ran(c.name);
});
