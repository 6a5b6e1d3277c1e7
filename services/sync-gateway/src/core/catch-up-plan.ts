/**
 * How a gateway joins the stream at start (sync.md, Receive path "Catch-up"). Pure.
 *
 * - Its durable consumer exists and nothing it has not acked was removed from the stream
 *   (`ackFloor + 1 >= firstSeq`): resume from the ack floor (the consumer does it).
 * - It exists but the stream dropped records it never acked (away longer than retention), or it
 *   does not exist and the stream no longer starts at 1 (a new gateway joining late): copy a
 *   peer's replica first (`snapshot`), then consume from the snapshot's stream sequence. Without
 *   a peer to copy from it can only consume what is left (`create_all` / `resume`), and says so.
 * - A new gateway on a stream that still holds everything: consume it all.
 */

/** What is known at start. */
export type CatchUpInput = {
  /** The consumer's ack floor stream sequence, or undefined when it does not exist. */
  readonly ackFloorSeq: number | undefined;
  /** The stream's first sequence still stored (`first_seq`), and how many messages it holds. */
  readonly firstSeq: number;
  readonly messages: number;
  /** Peers a snapshot may be copied from (never the node itself). */
  readonly peers: readonly string[];
};

/** The decision. */
export type CatchUpPlan =
  | { readonly kind: 'resume' }
  | { readonly kind: 'create_all' }
  | {
      readonly kind: 'snapshot';
      readonly reason: 'new_gateway' | 'away_longer_than_retention';
      /** The consumer must be deleted first. */
      readonly dropConsumer: boolean;
    }
  | { readonly kind: 'gap_without_peer'; readonly consumerExists: boolean };

/** Decides how to join (see the module comment). */
export function planCatchUp(input: CatchUpInput): CatchUpPlan {
  const lost = input.messages > 0 || input.firstSeq > 1;
  if (input.ackFloorSeq !== undefined) {
    const gap = input.ackFloorSeq + 1 < input.firstSeq;
    if (!gap) return { kind: 'resume' };
    if (input.peers.length === 0) return { kind: 'gap_without_peer', consumerExists: true };
    return { kind: 'snapshot', reason: 'away_longer_than_retention', dropConsumer: true };
  }
  if (!lost || input.firstSeq <= 1) return { kind: 'create_all' };
  if (input.peers.length === 0) return { kind: 'gap_without_peer', consumerExists: false };
  return { kind: 'snapshot', reason: 'new_gateway', dropConsumer: false };
}

/**
 * The stream sequence to consume from after copying a peer's replica: one past the peer's ack
 * floor read BEFORE the copy (everything at or below it is in the peer's replica, and anything
 * newer is re-applied idempotently), never before the stream's first sequence.
 */
export function snapshotStartSeq(peerAckFloorSeq: number, firstSeq: number): number {
  return Math.max(peerAckFloorSeq + 1, firstSeq, 1);
}
