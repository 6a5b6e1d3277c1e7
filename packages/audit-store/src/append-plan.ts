import { chainRows } from '@fedplane/core';
import { auditHeadOf, toChainHead, type AuditHead } from './audit-head.js';
import type { NewAuditEvent } from './audit-event.js';

/** An event with the columns the store computes: the row `appendEvents` inserts. */
export type PlannedAuditRow = NewAuditEvent & {
  readonly seq: number;
  readonly body_hash: Uint8Array;
  readonly prev_hash: Uint8Array;
  readonly entry_hash: Uint8Array;
};

/** What one append does: the rows to insert, the ids skipped, and the head after it. */
export type AppendPlan = {
  readonly rows: readonly PlannedAuditRow[];
  /** Input ids not appended, in input order: already stored, or repeated earlier in the batch. */
  readonly skipped: readonly string[];
  readonly head: AuditHead;
};

/**
 * Plans an append. Pure.
 * Input: the batch in stream order, the ids of the batch already stored, and the current head.
 * Output: the rows to insert — each event whose id is neither stored nor seen earlier in the
 * batch (the first occurrence wins), with seqs `head.size + 1, +2, …` and hashes chained from
 * `head` by core `chainRows` — plus the skipped ids and the head after the rows.
 * Invariants: rows are gapless from `head.size + 1`; each row's `prev_hash` is the previous
 * row's `entry_hash` (the first one's is `head.head`). Throws `RangeError` only for an event
 * core cannot hash (a signature over 255 bytes; check `newAuditEventProblem` first).
 */
export function planAppend(
  events: readonly NewAuditEvent[],
  present: ReadonlySet<string>,
  head: AuditHead,
): AppendPlan {
  const seen = new Set<string>();
  const fresh: NewAuditEvent[] = [];
  const skipped: string[] = [];
  for (const event of events) {
    if (present.has(event.event_id) || seen.has(event.event_id)) {
      skipped.push(event.event_id);
      continue;
    }
    seen.add(event.event_id);
    fresh.push(event);
  }
  const chained = chainRows(
    fresh.map((event) => ({
      body: event.body,
      attestLevel: event.attest_level,
      signature: event.signature,
    })),
    toChainHead(head),
  );
  const rows = fresh.map((event, i): PlannedAuditRow => {
    const link = chained[i];
    if (link === undefined) throw new RangeError('chainRows returned fewer rows than events');
    return {
      ...event,
      seq: Number(link.seq),
      body_hash: link.bodyHash,
      prev_hash: link.prevHash,
      entry_hash: link.entryHash,
    };
  });
  const last = rows.at(-1);
  return {
    rows,
    skipped,
    head: last === undefined ? head : auditHeadOf(last.seq, last.entry_hash),
  };
}
