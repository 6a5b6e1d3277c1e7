import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '@fedplane/core';
import {
  DEFAULT_APPROVAL_TIMEOUT_S,
  actionTarget,
  planRequest,
  type PlanRequestInput,
} from './request-plan.js';
import type { RememberedRule } from './rules.js';

const NOW = 1_900_000_000_000;
const request: ApprovalRequest = {
  action_type: 'decommission_node',
  namespace: 'fleet/nyc',
  requested_by: 'svc/reconciler/r-1',
  payload: { node_id: 'region/nyc/node-7' },
};
const input = (over: Partial<PlanRequestInput> = {}): PlanRequestInput => ({
  request,
  id: 'pending-1',
  nowMs: NOW,
  defaultTimeoutS: DEFAULT_APPROVAL_TIMEOUT_S,
  remembered: [],
  configured: [],
  instanceAgentId: 'svc/approvals/a-1',
  ...over,
});
const rule: RememberedRule = {
  id: 'rule-1',
  actionType: 'decommission_node',
  namespace: 'fleet/nyc',
  agentId: 'svc/reconciler/r-1',
  decision: 'approve',
  remember: 'forever',
  expiresAtMs: null,
};

describe('planRequest', () => {
  it('no rule: a pending row with the defaults', () => {
    expect(planRequest(input())).toEqual({
      rule: null,
      row: {
        id: 'pending-1',
        actionType: 'decommission_node',
        namespace: 'fleet/nyc',
        payload: { node_id: 'region/nyc/node-7' },
        requestedBy: 'svc/reconciler/r-1',
        requestedAtMs: NOW,
        status: 'pending',
        decidedBy: null,
        decidedAtMs: null,
        approvers: { kind: 'any' },
        expiresAtMs: NOW + 86_400_000,
        cause: null,
        remember: null,
      },
    });
  });

  it('takes timeout_s, approvers and cause from the request', () => {
    const { row } = planRequest(
      input({
        request: {
          ...request,
          timeout_s: 30,
          approvers: { kind: 'quorum', quorum: 2 },
          cause: 'evt-1',
        },
      }),
    );
    expect(row).toMatchObject({
      expiresAtMs: NOW + 30_000,
      approvers: { kind: 'quorum', quorum: 2 },
      cause: 'evt-1',
    });
  });

  it('a remembered rule decides at once, by this instance, with the rule remember mode', () => {
    const plan = planRequest(input({ remembered: [rule] }));
    expect(plan.rule).toBe(rule);
    expect(plan.row).toMatchObject({
      status: 'approved',
      decidedBy: 'svc/approvals/a-1',
      decidedAtMs: NOW,
      remember: 'forever',
    });
  });

  it('a configured deny decides at once, remember once, no rule', () => {
    const plan = planRequest(
      input({
        remembered: [rule],
        configured: [{ action_type: '*', namespace: 'fleet/**', agent: '**', decision: 'deny' }],
      }),
    );
    expect(plan.rule).toBeNull();
    expect(plan.row).toMatchObject({ status: 'denied', remember: 'once' });
  });
});

describe('actionTarget', () => {
  it('the payload node id when valid, else the pending id', () => {
    expect(actionTarget({ node_id: 'region/nyc/node-7' }, 'p-1')).toBe('region/nyc/node-7');
    expect(actionTarget({ node: 'host:a.b' }, 'p-1')).toBe('host:a.b');
    expect(actionTarget({ node_id: '../bad' }, 'p-1')).toBe('p-1');
    expect(actionTarget({ node_id: 7 }, 'p-1')).toBe('p-1');
    expect(actionTarget({}, 'p-1')).toBe('p-1');
  });
});
