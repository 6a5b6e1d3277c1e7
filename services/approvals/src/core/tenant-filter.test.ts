import { describe, expect, it } from 'vitest';
import type { ConfiguredRule, RememberedRule } from './rules.js';
import { isVisible, subscriberOf, type VisibilityRules } from './tenant-filter.js';

const NOW = 1_900_000_000_000;
const event = { requestedBy: 'svc/r/1', namespace: 'prod/eu' };
const allow = (over: Partial<RememberedRule> = {}): RememberedRule => ({
  id: 'rule-1',
  actionType: 'decommission_node',
  namespace: 'prod/eu',
  agentId: 'ops/alice',
  decision: 'approve',
  remember: 'forever',
  expiresAtMs: null,
  ...over,
});
const configured: ConfiguredRule = {
  action_type: '*',
  namespace: 'prod/**',
  agent: 'ops/*',
  decision: 'approve',
};
const none: VisibilityRules = { remembered: [], configured: [] };
const visible = (subscriber: string | null, rules: VisibilityRules, ev = event) =>
  isVisible({ subscriber, event: ev, rules, nowMs: NOW });

describe('subscriberOf', () => {
  it('trims; empty and host: are anonymous', () => {
    expect(subscriberOf('  ops/alice ')).toBe('ops/alice');
    expect(subscriberOf(undefined)).toBeNull();
    expect(subscriberOf('   ')).toBeNull();
    expect(subscriberOf('host:node-1')).toBeNull();
    expect(subscriberOf(' host:x')).toBeNull();
  });
});

describe('isVisible', () => {
  it('anonymous sees nothing, not even with rules', () => {
    expect(visible(null, { remembered: [allow()], configured: [configured] })).toBe(false);
  });

  it('the requester sees its own events', () => {
    expect(visible('svc/r/1', none)).toBe(true);
    expect(visible('svc/r/2', none)).toBe(false);
  });

  it('an active remembered allow for the subscriber and namespace grants it', () => {
    expect(visible('ops/alice', { remembered: [allow()], configured: [] })).toBe(true);
    expect(visible('ops/bob', { remembered: [allow()], configured: [] })).toBe(false);
    expect(
      visible('ops/alice', { remembered: [allow({ namespace: 'prod/us' })], configured: [] }),
    ).toBe(false);
    expect(
      visible('ops/alice', { remembered: [allow({ decision: 'deny' })], configured: [] }),
    ).toBe(false);
    expect(
      visible('ops/alice', {
        remembered: [allow({ remember: 'session', expiresAtMs: NOW })],
        configured: [],
      }),
    ).toBe(false);
  });

  it('a configured allow grants by glob; a configured deny grants nothing', () => {
    expect(visible('ops/alice', { remembered: [], configured: [configured] })).toBe(true);
    expect(visible('dev/alice', { remembered: [], configured: [configured] })).toBe(false);
    expect(
      visible('ops/alice', { remembered: [], configured: [{ ...configured, decision: 'deny' }] }),
    ).toBe(false);
  });

  it('an empty namespace is granted to nobody but the requester', () => {
    const ev = { requestedBy: 'svc/r/1', namespace: '' };
    const rules = { remembered: [allow({ namespace: '' })], configured: [configured] };
    expect(visible('ops/alice', rules, ev)).toBe(false);
    expect(visible('svc/r/1', rules, ev)).toBe(true);
  });
});
