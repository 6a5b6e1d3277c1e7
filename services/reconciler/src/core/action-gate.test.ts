import { describe, expect, it } from 'vitest';
import { sha256Hex, utf8, type ObservedState, type ReconcilePlan } from '@fedplane/core';
import {
  gatePlan,
  journalKey,
  staleJournalKeys,
  type JournalEntry,
  type JournalState,
  type NodeActionKind,
} from './action-gate.js';

const NOW = 1_000_000;
const RETRY = 60_000;
const BACKOFF = 10_000;

function entry(
  kind: NodeActionKind,
  id: string,
  state: JournalState,
  more: { atMs?: number; pendingId?: string } = {},
): [string, JournalEntry] {
  const { atMs = NOW - 1_000, pendingId } = more;
  return [
    journalKey(kind, id),
    {
      kind,
      id,
      state,
      at_ms: atMs,
      holder: 'svc/reconciler/a',
      ...(pendingId === undefined ? {} : { pending_id: pendingId }),
    },
  ];
}

const plan: ReconcilePlan = {
  actions: [
    { kind: 'enroll_node', id: 'n1' },
    { kind: 'issue_credential', id: 'n2' },
    { kind: 'decommission_node', id: 'x1' },
    { kind: 'disable_strict' },
  ],
  guards: [],
};

function gate(...entries: [string, JournalEntry][]) {
  return gatePlan({
    plan,
    journal: new Map(entries),
    nowMs: NOW,
    retryMs: RETRY,
    failureBackoffMs: BACKOFF,
  }).map((d) =>
    d.run === 'skip'
      ? `skip:${d.reason}`
      : d.run === 'await_decision'
        ? `await:${d.pendingId}`
        : 'execute',
  );
}

describe('journalKey', () => {
  it('is the kind and the SHA-256 of the id (ids may hold characters KV keys cannot)', () => {
    expect(journalKey('enroll_node', 'host:a@b')).toBe(
      `enroll_node.${sha256Hex(utf8('host:a@b'))}`,
    );
    expect(journalKey('enroll_node', 'a')).not.toBe(journalKey('issue_credential', 'a'));
  });
});

describe('gatePlan', () => {
  it('executes everything with an empty journal, in plan order', () => {
    expect(gate()).toEqual(['execute', 'execute', 'execute', 'execute']);
  });

  it('never repeats an enrollment while the node stays absent', () => {
    expect(gate(entry('enroll_node', 'n1', 'applied', { atMs: 0 }))[0]).toBe(
      'skip:enrollment_applied',
    );
    expect(gate(entry('enroll_node', 'n1', 'in_flight'))[0]).toBe('skip:enrollment_in_flight');
    // Left in flight by a crashed leader long ago: retried.
    expect(gate(entry('enroll_node', 'n1', 'in_flight', { atMs: NOW - RETRY }))[0]).toBe('execute');
  });

  it('repeats a renewal request only after the retry time', () => {
    expect(gate(entry('issue_credential', 'n2', 'applied'))[1]).toBe('skip:renewal_applied');
    expect(gate(entry('issue_credential', 'n2', 'in_flight'))[1]).toBe('skip:renewal_in_flight');
    expect(gate(entry('issue_credential', 'n2', 'applied', { atMs: NOW - RETRY }))[1]).toBe(
      'execute',
    );
  });

  it('decommission: revoked once, awaits a pending decision, re-asks a denial after the retry', () => {
    expect(gate(entry('decommission_node', 'x1', 'applied', { atMs: 0 }))[2]).toBe(
      'skip:already_revoked',
    );
    expect(
      gate(entry('decommission_node', 'x1', 'approval_pending', { atMs: 0, pendingId: 'p-1' }))[2],
    ).toBe('await:p-1');
    expect(
      gate(entry('decommission_node', 'x1', 'in_flight', { atMs: NOW, pendingId: 'p-2' }))[2],
    ).toBe('await:p-2');
    expect(
      gate(entry('decommission_node', 'x1', 'denied', { atMs: NOW, pendingId: 'p-1' }))[2],
    ).toBe('skip:decommission_denied');
    expect(
      gate(entry('decommission_node', 'x1', 'denied', { atMs: NOW - RETRY, pendingId: 'p-1' }))[2],
    ).toBe('execute');
    expect(gate(entry('decommission_node', 'x1', 'in_flight'))[2]).toBe(
      'skip:decommission_in_flight',
    );
  });

  it('retries any failed node action after the failure backoff, not before', () => {
    for (const [i, kind] of (
      ['enroll_node', 'issue_credential', 'decommission_node'] as const
    ).entries()) {
      const id = ['n1', 'n2', 'x1'][i] ?? '';
      expect(gate(entry(kind, id, 'failed', { atMs: NOW - BACKOFF + 1 }))[i]).toBe(
        'skip:retry_after_failure',
      );
      expect(gate(entry(kind, id, 'failed', { atMs: NOW - BACKOFF }))[i]).toBe('execute');
    }
  });

  it('never journals posture actions', () => {
    expect(gate(entry('enroll_node', 'n1', 'applied'))[3]).toBe('execute');
  });
});

describe('staleJournalKeys', () => {
  const observed: ObservedState = {
    strictEnforced: false,
    nodes: [
      { id: 'present', present: true, canSign: false },
      { id: 'signs', present: true, canSign: true },
      { id: 'absent', present: false, canSign: false },
    ],
  };
  const journal = new Map([
    entry('enroll_node', 'present', 'applied'),
    entry('enroll_node', 'absent', 'applied'),
    entry('enroll_node', 'dropped', 'applied'),
    entry('issue_credential', 'signs', 'applied'),
    entry('issue_credential', 'present', 'applied'),
    entry('decommission_node', 'absent', 'applied'),
    entry('decommission_node', 'gone', 'applied'),
    entry('decommission_node', 'signs', 'applied'),
  ]);
  it('drops what no longer has a reason', () => {
    const desired = ['present', 'absent', 'signs'];
    expect(staleJournalKeys(journal, desired, observed)).toEqual([
      journalKey('enroll_node', 'present'),
      journalKey('enroll_node', 'dropped'),
      journalKey('issue_credential', 'signs'),
      journalKey('decommission_node', 'absent'),
      journalKey('decommission_node', 'gone'),
      journalKey('decommission_node', 'signs'),
    ]);
  });
});
