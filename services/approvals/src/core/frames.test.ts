import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '@fedplane/core';
import { frameOf } from './frames.js';

const base = {
  id: '0190f3a2-0000-7000-8000-000000000001',
  actor: 'svc/approvals/a-1',
  at: '2030-03-17T17:46:43.123Z',
};
const pendingFields = {
  pending_id: '0190f3a2-0000-7000-8000-000000000002',
  action_type: 'decommission_node',
  namespace: 'fleet/nyc',
  requested_by: 'svc/reconciler/r-1',
};

describe('frameOf', () => {
  it('approval.requested → approval_requested with requested_at = at', () => {
    const event: EventEnvelope = { ...base, type: 'approval.requested', data: pendingFields };
    expect(frameOf(event)).toEqual({
      requestedBy: 'svc/reconciler/r-1',
      namespace: 'fleet/nyc',
      frame: {
        event: 'approval_requested',
        data: { event: 'approval_requested', ...pendingFields, requested_at: base.at },
      },
    });
  });

  it('approval.decided → approval_decided with decided_by = decider', () => {
    const event: EventEnvelope = {
      ...base,
      type: 'approval.decided',
      data: { ...pendingFields, decision: 'deny', decider: 'ops/alice', remember: 'session' },
    };
    expect(frameOf(event)?.frame).toEqual({
      event: 'approval_decided',
      data: {
        event: 'approval_decided',
        pending_id: pendingFields.pending_id,
        decision: 'deny',
        decided_by: 'ops/alice',
        remember: 'session',
        namespace: 'fleet/nyc',
        requested_by: 'svc/reconciler/r-1',
      },
    });
  });

  it('other events and bad data make no frame', () => {
    expect(frameOf({ ...base, type: 'approval.expired', data: pendingFields })).toBeUndefined();
    expect(
      frameOf({ ...base, type: 'approval.requested', data: { pending_id: 'x' } }),
    ).toBeUndefined();
    expect(frameOf({ ...base, type: 'approval.decided', data: pendingFields })).toBeUndefined();
  });
});
