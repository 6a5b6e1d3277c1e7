import { namespaceMatches, type Decision } from '@fedplane/core';

/**
 * Rules that decide a request at once (approvals.md "Remember"; reference §6.3): remembered
 * rules (exact `(action_type, namespace, agent_id = requester)`, `session` ones until they
 * expire) and configured rules (`APPROVALS_RULES`: action type or `*`, namespace glob, agent glob
 * as core's namespace globs). The combiner is deny-first: any matching deny — configured or
 * remembered — wins over every allow, so an explicit configured deny always beats a remembered
 * allow. Pure.
 */

/** A remembered rule as the shell loads it. */
export type RememberedRule = {
  readonly id: string;
  readonly actionType: string;
  readonly namespace: string;
  readonly agentId: string;
  readonly decision: Decision;
  readonly remember: 'session' | 'forever';
  /** Null for `forever`. */
  readonly expiresAtMs: number | null;
};

/** A configured rule (`APPROVALS_RULES`). */
export type ConfiguredRule = {
  /** An action type or `*`. */
  readonly action_type: string;
  /** A namespace glob (core `namespaceMatches` shapes). */
  readonly namespace: string;
  /** An agent glob, same shapes over `/`-separated agent ids. */
  readonly agent: string;
  readonly decision: Decision;
};

/** The request being evaluated. */
export type RuleQuery = {
  readonly actionType: string;
  readonly namespace: string;
  readonly requestedBy: string;
};

/** Result of {@link evaluateRules}. */
export type RuleVerdict =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'decided';
      readonly decision: Decision;
      /** The remembered rule that decided, or null for a configured rule. */
      readonly rule: RememberedRule | null;
    };

/** True while a remembered rule applies at `nowMs` (`forever` always; `session` until expiry). */
export function isActiveRule(rule: RememberedRule, nowMs: number): boolean {
  return rule.expiresAtMs === null || nowMs < rule.expiresAtMs;
}

function rememberedMatches(rule: RememberedRule, query: RuleQuery): boolean {
  return (
    rule.actionType === query.actionType &&
    rule.namespace === query.namespace &&
    rule.agentId === query.requestedBy
  );
}

/** True when the configured rule covers `query`. */
export function configuredMatches(rule: ConfiguredRule, query: RuleQuery): boolean {
  return (
    (rule.action_type === '*' || rule.action_type === query.actionType) &&
    namespaceMatches(rule.namespace, query.namespace) &&
    namespaceMatches(rule.agent, query.requestedBy)
  );
}

/**
 * The deny-first verdict for `query` over active remembered rules and configured rules: a
 * configured deny, else a remembered deny, else a remembered approve, else a configured approve,
 * else `none` (the request waits for a human).
 */
export function evaluateRules(input: {
  readonly query: RuleQuery;
  readonly remembered: readonly RememberedRule[];
  readonly configured: readonly ConfiguredRule[];
  readonly nowMs: number;
}): RuleVerdict {
  const { query, nowMs } = input;
  const configured = input.configured.filter((r) => configuredMatches(r, query));
  const remembered = input.remembered.filter(
    (r) => isActiveRule(r, nowMs) && rememberedMatches(r, query),
  );
  if (configured.some((r) => r.decision === 'deny')) {
    return { kind: 'decided', decision: 'deny', rule: null };
  }
  const rememberedDeny = remembered.find((r) => r.decision === 'deny');
  if (rememberedDeny !== undefined)
    return { kind: 'decided', decision: 'deny', rule: rememberedDeny };
  const rememberedApprove = remembered.find((r) => r.decision === 'approve');
  if (rememberedApprove !== undefined) {
    return { kind: 'decided', decision: 'approve', rule: rememberedApprove };
  }
  if (configured.some((r) => r.decision === 'approve')) {
    return { kind: 'decided', decision: 'approve', rule: null };
  }
  return { kind: 'none' };
}
