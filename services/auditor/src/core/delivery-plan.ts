/**
 * Keeping the chain in stream order across handovers and crashes.
 *
 * `FED_EVENTS` holds only `fed.evt.>` subjects, all of which the `auditor` consumer takes, so
 * its stream sequences are consecutive except where messages were deleted. A holder starts a
 * session expecting `ack_floor + 1`. Messages can still be "delivered" without reaching it: a
 * previous holder crashed or lost its lease with a batch in hand, or a pull answered after it
 * closed. The server redelivers those only after the ack wait (30 s), behind newer messages.
 * So when a delivery jumps past the expected sequence, the missing range is read back from the
 * stream by sequence and appended first; the later redeliveries are appended idempotently
 * (skipped) and acked.
 */

/** One step of a batch, in append order. */
export type DeliveryStep =
  /** Read stream sequences `from..to` (inclusive) back from the stream, in order. */
  | { readonly kind: 'fill'; readonly from: number; readonly to: number }
  /** Take delivered message `index` (position in the delivered batch). */
  | { readonly kind: 'take'; readonly index: number };

/** The steps and the sequence expected after the batch. */
export type DeliveryPlan = {
  readonly steps: readonly DeliveryStep[];
  readonly expected: number;
};

/**
 * Plans a delivered batch.
 * Input: the next stream sequence expected, and the delivered sequences in delivery order.
 * Output: for each delivered message, first a `fill` of any gap between the expected sequence
 * and it, then `take` it; the expected sequence advances past every message taken. A sequence
 * below the expected one (a redelivery) is taken where it stands and does not move it back.
 * Invariants: fills never overlap and lie strictly between sequences already taken/expected and
 * the message that revealed them. Pure.
 */
export function planDeliveries(expected: number, seqs: readonly number[]): DeliveryPlan {
  const steps: DeliveryStep[] = [];
  let next = expected;
  seqs.forEach((seq, index) => {
    if (seq > next) steps.push({ kind: 'fill', from: next, to: seq - 1 });
    steps.push({ kind: 'take', index });
    if (seq >= next) next = seq + 1;
  });
  return { steps, expected: next };
}

/**
 * The first sequence worth reading for a fill: `from`, raised to the stream's first stored
 * sequence (everything below it was deleted). Returns null when nothing of `from..to` is left.
 * Pure.
 */
export function clampFill(
  fill: { readonly from: number; readonly to: number },
  firstStoredSeq: number,
): { readonly from: number; readonly to: number } | null {
  const from = Math.max(fill.from, firstStoredSeq);
  return from > fill.to ? null : { from, to: fill.to };
}
