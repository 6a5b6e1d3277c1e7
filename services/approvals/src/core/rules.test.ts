import { describe, expect, it } from 'vitest';
import {
  configuredMatches,
  evaluateRules,
  isActiveRule,
  type ConfiguredRule,
  type RememberedRule,
} from './rules.js';

const NOW = 1_900_000_000_000;
const query = { actionType: 'decommission_node', namespace: 'prod/eu', requestedBy: 'svc/r/1' };
const remembered = (over: Partial<RememberedRule> = {}): RememberedRule => ({
  id: 'rule-1',
  actionType: 'decommission_node',
  namespace: 'prod/eu',
  agentId: 'svc/r/1',
  decision: 'approve',
  remember: 'forever',
  expiresAtMs: null,
  ...over,
});
const configured = (over: Partial<ConfiguredRule> = {}): ConfiguredRule => ({
  action_type: '*',
  namespace: 'prod/**',
  agent: '**',
  decision: 'deny',
  ...over,
});
const evaluate = (r: readonly RememberedRule[], c: readonly ConfiguredRule[]) =>
  evaluateRules({ query, remembered: r, configured: c, nowMs: NOW });

describe('evaluateRules', () => {
  it('no rule: none', () => {
    expect(evaluate([], [])).toEqual({ kind: 'none' });
  });

  it('a remembered rule decides exactly its tuple', () => {
    const rule = remembered();
    expect(evaluate([rule], [])).toEqual({ kind: 'decided', decision: 'approve', rule });
    for (const other of [
      remembered({ actionType: 'enable_strict' }),
      remembered({ namespace: 'prod/us' }),
      remembered({ agentId: 'svc/r/2' }),
    ]) {
      expect(evaluate([other], [])).toEqual({ kind: 'none' });
    }
  });

  it('a session rule stops at its expiry', () => {
    const rule = remembered({ remember: 'session', expiresAtMs: NOW + 1 });
    expect(evaluate([rule], []).kind).toBe('decided');
    expect(evaluate([remembered({ remember: 'session', expiresAtMs: NOW })], [])).toEqual({
      kind: 'none',
    });
    expect(isActiveRule(rule, NOW + 1)).toBe(false);
    expect(isActiveRule(remembered(), Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('deny first: a configured deny beats a remembered approve', () => {
    expect(evaluate([remembered()], [configured()])).toEqual({
      kind: 'decided',
      decision: 'deny',
      rule: null,
    });
  });

  it('a remembered deny beats a remembered approve and a configured approve', () => {
    const deny = remembered({ id: 'rule-2', decision: 'deny' });
    expect(evaluate([remembered(), deny], [configured({ decision: 'approve' })])).toEqual({
      kind: 'decided',
      decision: 'deny',
      rule: deny,
    });
  });

  it('a remembered approve is preferred over a configured approve (it names the rule)', () => {
    const rule = remembered();
    expect(evaluate([rule], [configured({ decision: 'approve' })])).toEqual({
      kind: 'decided',
      decision: 'approve',
      rule,
    });
    expect(evaluate([], [configured({ decision: 'approve' })])).toEqual({
      kind: 'decided',
      decision: 'approve',
      rule: null,
    });
  });

  it('configured rules match action type or *, and globs on namespace and agent', () => {
    expect(configuredMatches(configured({ action_type: 'decommission_node' }), query)).toBe(true);
    expect(configuredMatches(configured({ action_type: 'enable_strict' }), query)).toBe(false);
    expect(configuredMatches(configured({ namespace: 'prod/*' }), query)).toBe(true);
    expect(configuredMatches(configured({ namespace: 'dev/**' }), query)).toBe(false);
    expect(configuredMatches(configured({ agent: 'svc/r/*' }), query)).toBe(true);
    expect(configuredMatches(configured({ agent: 'svc/x/*' }), query)).toBe(false);
  });
});
