import type { EventEnvelope } from '@fedplane/core';
import { parseEventDataAs } from '@fedplane/core';
import type { SseFrame } from './frame-queue.js';

/**
 * SSE frames from approval events (reference §6.4 field lists):
 * `approval.requested` → `approval_requested` `{event, pending_id, action_type, namespace,
 * requested_by, requested_at}` (`requested_at` = the event's `at`, which the service stamps with
 * the request time); `approval.decided` → `approval_decided` `{event, pending_id, decision,
 * decided_by, remember, namespace, requested_by}`. Other events make no frame. Pure.
 */

/** A frame with what the tenant filter needs. */
export type RoutedFrame = {
  readonly frame: SseFrame;
  readonly requestedBy: string;
  readonly namespace: string;
};

/** The frame of `event`, or undefined when it makes none (or its data does not parse). */
export function frameOf(event: EventEnvelope): RoutedFrame | undefined {
  if (event.type === 'approval.requested') {
    const parsed = parseEventDataAs('approval.requested', event.data);
    if (!parsed.ok) return undefined;
    const d = parsed.value;
    return {
      requestedBy: d.requested_by,
      namespace: d.namespace,
      frame: {
        event: 'approval_requested',
        data: {
          event: 'approval_requested',
          pending_id: d.pending_id,
          action_type: d.action_type,
          namespace: d.namespace,
          requested_by: d.requested_by,
          requested_at: event.at,
        },
      },
    };
  }
  if (event.type === 'approval.decided') {
    const parsed = parseEventDataAs('approval.decided', event.data);
    if (!parsed.ok) return undefined;
    const d = parsed.value;
    return {
      requestedBy: d.requested_by,
      namespace: d.namespace,
      frame: {
        event: 'approval_decided',
        data: {
          event: 'approval_decided',
          pending_id: d.pending_id,
          decision: d.decision,
          decided_by: d.decider,
          remember: d.remember,
          namespace: d.namespace,
          requested_by: d.requested_by,
        },
      },
    };
  }
  return undefined;
}
