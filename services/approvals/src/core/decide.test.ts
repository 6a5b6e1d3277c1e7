import { describe, expect, it } from 'vitest';
import { decide, sameAgent, type DecideInput, type PendingSnapshot } from './decide.js';

const NOW = 1_900_000_000_000;
const pending = (over: Partial<PendingSnapshot> = {}): PendingSnapshot => ({
  requestedBy: 'svc/reconciler/r-1',
  status: 'pending',
  approvers: { kind: 'any' },
  votes: [],
  expiresAtMs: NOW + 60_000,
  ...over,
});
const input = (over: Partial<DecideInput> = {}): DecideInput => ({
  pending: pending(),
  decider: 'ops/alice',
  decision: 'approve',
  nowMs: NOW,
  nowText: new Date(NOW).toISOString(),
  ...over,
});

describe('decide', () => {
  it('any: another agent approves or denies', () => {
    expect(decide(input())).toEqual({ kind: 'approved', votes: [] });
    expect(decide(input({ decision: 'deny' }))).toEqual({ kind: 'denied' });
  });

  it('refuses self-approval (case-insensitively) but lets the requester withdraw', () => {
    expect(decide(input({ decider: 'SVC/Reconciler/r-1' }))).toEqual({
      kind: 'refused',
      reason: 'self_approval',
    });
    expect(decide(input({ decider: 'svc/reconciler/r-1', decision: 'deny' }))).toEqual({
      kind: 'denied',
    });
  });

  it('agent: only the named approver decides', () => {
    const p = pending({ approvers: { kind: 'agent', agent_id: 'ops/carol' } });
    expect(decide(input({ pending: p }))).toEqual({ kind: 'refused', reason: 'not_the_approver' });
    expect(decide(input({ pending: p, decision: 'deny' }))).toEqual({
      kind: 'refused',
      reason: 'not_the_approver',
    });
    expect(decide(input({ pending: p, decider: 'OPS/carol' })).kind).toBe('approved');
    expect(decide(input({ pending: p, decider: 'ops/carol', decision: 'deny' }))).toEqual({
      kind: 'denied',
    });
  });

  it('agent: the named approver cannot approve its own request', () => {
    const p = pending({ approvers: { kind: 'agent', agent_id: 'svc/reconciler/r-1' } });
    expect(decide(input({ pending: p, decider: 'svc/reconciler/r-1' })).kind).toBe('refused');
  });

  it('quorum: distinct lower-cased votes until the quorum approves', () => {
    const p = pending({ approvers: { kind: 'quorum', quorum: 2 } });
    const first = decide(input({ pending: p, decider: 'Ops/Alice' }));
    expect(first).toEqual({
      kind: 'vote_recorded',
      quorum: 2,
      changed: true,
      votes: [{ agent_id: 'ops/alice', approved_at: new Date(NOW).toISOString() }],
    });
    if (first.kind !== 'vote_recorded') throw new Error('unreachable');
    const voted = pending({ approvers: p.approvers, votes: first.votes });
    expect(decide(input({ pending: voted, decider: 'OPS/ALICE' }))).toEqual({
      kind: 'vote_recorded',
      quorum: 2,
      changed: false,
      votes: first.votes,
    });
    const second = decide(input({ pending: voted, decider: 'ops/bob' }));
    expect(second.kind).toBe('approved');
    expect(second.kind === 'approved' && second.votes.map((v) => v.agent_id)).toEqual([
      'ops/alice',
      'ops/bob',
    ]);
    expect(decide(input({ pending: voted, decider: 'ops/bob', decision: 'deny' }))).toEqual({
      kind: 'denied',
    });
  });

  it('quorum of one approves at the first vote; the requester cannot vote', () => {
    const p = pending({ approvers: { kind: 'quorum', quorum: 1 } });
    expect(decide(input({ pending: p })).kind).toBe('approved');
    expect(decide(input({ pending: p, decider: 'svc/reconciler/r-1' })).kind).toBe('refused');
  });

  it('a decided or expired row conflicts, whatever the vote', () => {
    for (const status of ['approved', 'denied', 'expired'] as const) {
      expect(decide(input({ pending: pending({ status }) }))).toEqual({ kind: 'conflict', status });
      expect(
        decide(input({ pending: pending({ status }), decider: 'svc/reconciler/r-1' })),
      ).toEqual({ kind: 'conflict', status });
    }
    expect(decide(input({ pending: pending({ expiresAtMs: NOW }) }))).toEqual({
      kind: 'conflict',
      status: 'past_expiry',
    });
    expect(decide(input({ pending: pending({ expiresAtMs: NOW + 1 }) })).kind).toBe('approved');
  });

  it('sameAgent compares case-insensitively', () => {
    expect(sameAgent('A/b', 'a/B')).toBe(true);
    expect(sameAgent('a', 'b')).toBe(false);
  });
});
