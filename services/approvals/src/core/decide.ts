import type { Approvers, Decision, PendingStatus } from '@fedplane/core';

/**
 * The decision on one pending action (approvals.md; reference §6.1, §6.2): who may decide it and
 * what a vote does. Pure: the shell loads the row (locked), calls {@link decide}, and writes the
 * outcome conditionally on `status = 'pending'`.
 *
 * - `any` (default): anyone but the requester approves; anyone (the requester too, to withdraw)
 *   denies.
 * - `agent`: only the named agent decides (either way), and never the requester approves.
 * - `quorum`: each distinct voter (compared lower-cased, stored lower-cased) adds one vote; a
 *   repeated vote changes nothing; at `votes ≥ quorum` the action is approved; one deny from an
 *   eligible voter denies it. The requester cannot vote to approve.
 * A row that is no longer pending, or is past `expires_at` while still pending (the sweeper has
 * not run yet), cannot be decided (`conflict`).
 */

/** One recorded approving vote. */
export type Vote = { readonly agent_id: string; readonly approved_at: string };

/** What {@link decide} needs of the row. */
export type PendingSnapshot = {
  readonly requestedBy: string;
  readonly status: PendingStatus;
  readonly approvers: Approvers;
  readonly votes: readonly Vote[];
  readonly expiresAtMs: number;
};

/** Input of {@link decide}. */
export type DecideInput = {
  readonly pending: PendingSnapshot;
  /** The decider (`X-Agent-Id`), already validated. */
  readonly decider: string;
  readonly decision: Decision;
  readonly nowMs: number;
  /** `now` as RFC 3339 with milliseconds (the vote's `approved_at`). */
  readonly nowText: string;
};

/** Why a decider is refused (403). */
export type RefusalReason = 'self_approval' | 'not_the_approver';

/** Result of {@link decide}. */
export type DecideOutcome =
  | { readonly kind: 'approved'; readonly votes: readonly Vote[] }
  | { readonly kind: 'denied' }
  | {
      readonly kind: 'vote_recorded';
      readonly votes: readonly Vote[];
      readonly quorum: number;
      /** False when the voter had already voted (nothing to write). */
      readonly changed: boolean;
    }
  | { readonly kind: 'refused'; readonly reason: RefusalReason }
  | { readonly kind: 'conflict'; readonly status: PendingStatus | 'past_expiry' };

/** Agent ids compared as the reference compares voters: case-insensitively. */
export function sameAgent(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function decideQuorum(input: DecideInput, quorum: number): DecideOutcome {
  const { pending, decider } = input;
  if (input.decision === 'deny') return { kind: 'denied' };
  const voter = decider.toLowerCase();
  if (pending.votes.some((v) => v.agent_id === voter)) {
    return { kind: 'vote_recorded', votes: pending.votes, quorum, changed: false };
  }
  const votes = [...pending.votes, { agent_id: voter, approved_at: input.nowText }];
  if (votes.length >= quorum) return { kind: 'approved', votes };
  return { kind: 'vote_recorded', votes, quorum, changed: true };
}

/** Decides one vote on one pending action (see the module comment). Pure; never throws. */
export function decide(input: DecideInput): DecideOutcome {
  const { pending, decider, decision } = input;
  if (pending.status !== 'pending') return { kind: 'conflict', status: pending.status };
  if (input.nowMs >= pending.expiresAtMs) return { kind: 'conflict', status: 'past_expiry' };
  const self = sameAgent(decider, pending.requestedBy);
  if (decision === 'approve' && self) return { kind: 'refused', reason: 'self_approval' };
  const approvers = pending.approvers;
  switch (approvers.kind) {
    case 'any':
      return decision === 'approve'
        ? { kind: 'approved', votes: pending.votes }
        : { kind: 'denied' };
    case 'agent':
      if (!sameAgent(decider, approvers.agent_id)) {
        return { kind: 'refused', reason: 'not_the_approver' };
      }
      return decision === 'approve'
        ? { kind: 'approved', votes: pending.votes }
        : { kind: 'denied' };
    case 'quorum':
      return decideQuorum(input, approvers.quorum);
  }
}
