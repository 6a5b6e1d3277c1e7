import { namespaceMatches } from '@fedplane/core';
import { isActiveRule, type ConfiguredRule, type RememberedRule } from './rules.js';

/**
 * The SSE tenant filter (approvals.md; reference §6.4), per event and subscriber:
 * - the subscriber is the trimmed `X-Agent-Id`; empty, or starting with `host:`, sees nothing;
 * - the event's tenant (`requested_by`) equal to the subscriber → visible;
 * - else, when the event namespace is non-empty and an active allow rule matches both the
 *   subscriber (its agent pattern) and the namespace (its namespace pattern) → visible;
 * - else dropped silently.
 * Allow rules are the remembered `approve` rules (agent pattern = the rule's agent id, namespace
 * pattern = its namespace, both exact) and the configured `approve` rules (globs). Pure.
 */

/** The subscriber id of an `X-Agent-Id` value: trimmed; null when anonymous (empty or `host:`). */
export function subscriberOf(header: string | undefined): string | null {
  const id = (header ?? '').trim();
  if (id === '' || id.startsWith('host:')) return null;
  return id;
}

/** What the filter needs of an event. */
export type FilteredEvent = { readonly requestedBy: string; readonly namespace: string };

/** The rules the filter consults. */
export type VisibilityRules = {
  readonly remembered: readonly RememberedRule[];
  readonly configured: readonly ConfiguredRule[];
};

/** True when `subscriber` (from {@link subscriberOf}) may see `event` at `nowMs`. */
export function isVisible(input: {
  readonly subscriber: string | null;
  readonly event: FilteredEvent;
  readonly rules: VisibilityRules;
  readonly nowMs: number;
}): boolean {
  const { subscriber, event, rules, nowMs } = input;
  if (subscriber === null) return false;
  if (event.requestedBy === subscriber) return true;
  if (event.namespace === '') return false;
  const remembered = rules.remembered.some(
    (r) =>
      r.decision === 'approve' &&
      isActiveRule(r, nowMs) &&
      r.agentId === subscriber &&
      r.namespace === event.namespace,
  );
  if (remembered) return true;
  return rules.configured.some(
    (r) =>
      r.decision === 'approve' &&
      namespaceMatches(r.agent, subscriber) &&
      namespaceMatches(r.namespace, event.namespace),
  );
}
