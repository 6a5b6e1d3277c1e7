import { fromUtf8, parseJsonText } from '@fedplane/core';
import { StreamName, eventAreaFilter, parseEventSubject, type Bus } from '@fedplane/messaging';
import { DeliverPolicy } from '@nats-io/jetstream';

/**
 * Pending approvals, counted from the approvals service's own events in `FED_EVENTS`: every
 * `approval.requested` whose `pending_id` has no `approval.decided` nor `approval.expired` yet.
 * Needs no API key, and works with any number of approvals replicas. Reads at most
 * {@link MAX_APPROVAL_EVENTS} events (older history is not counted).
 */

/** Most approval events one count reads. */
export const MAX_APPROVAL_EVENTS = 200_000;
const FETCH_BATCH = 1_000;
const FETCH_EXPIRES_MS = 1_000;

function pendingId(data: Uint8Array): string | undefined {
  const text = fromUtf8(data);
  const json = text === undefined ? undefined : parseJsonText(text);
  if (json?.ok !== true || typeof json.value !== 'object' || json.value === null) return undefined;
  const inner = (json.value as { data?: unknown }).data;
  if (typeof inner !== 'object' || inner === null) return undefined;
  const id = (inner as { pending_id?: unknown }).pending_id;
  return typeof id === 'string' ? id : undefined;
}

/** The number of approval requests not yet decided nor expired. */
export async function countPendingApprovals(bus: Bus): Promise<number> {
  const filter = eventAreaFilter('approval');
  const info = await bus.jsm.streams.info(StreamName.events, { subjects_filter: filter });
  const total = Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const consumer = await bus.js.consumers.get(StreamName.events, {
    filter_subjects: filter,
    deliver_policy: DeliverPolicy.All,
  });
  const open = new Set<string>();
  let read = 0;
  try {
    for (;;) {
      const batch = await consumer.fetch({
        max_messages: FETCH_BATCH,
        expires: FETCH_EXPIRES_MS,
      });
      let got = 0;
      let pending = 1;
      for await (const msg of batch) {
        got += 1;
        read += 1;
        pending = msg.info.pending;
        const parsed = parseEventSubject(msg.subject);
        const id = pendingId(msg.data);
        if (!parsed.ok || id === undefined) continue;
        if (parsed.value.type === 'approval.requested') open.add(id);
        else if (
          parsed.value.type === 'approval.decided' ||
          parsed.value.type === 'approval.expired'
        )
          open.delete(id);
      }
      if (got === 0 || pending === 0 || read >= MAX_APPROVAL_EVENTS) break;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return open.size;
}
