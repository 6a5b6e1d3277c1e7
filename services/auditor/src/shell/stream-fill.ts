import { StreamName } from '@fedplane/messaging';
import type { JetStreamManager } from '@nats-io/jetstream';
import { clampFill } from '../core/delivery-plan.js';
import type { StreamMessage } from './attest-batch.js';

/**
 * Reads a range of `FED_EVENTS` back by stream sequence (core `planDeliveries` says when):
 * messages delivered to a holder that never acked them. Deleted sequences are skipped.
 */

const PARALLEL_READS = 32;

/**
 * The stored messages with sequence in `from..to`, in sequence order (missing ones left out).
 * Rejects when the stream cannot be read (the caller's session then restarts).
 */
export async function readStreamRange(
  jsm: JetStreamManager,
  range: { readonly from: number; readonly to: number },
): Promise<StreamMessage[]> {
  const info = await jsm.streams.info(StreamName.events);
  const clamped = clampFill(range, info.state.first_seq);
  if (clamped === null) return [];
  const out: StreamMessage[] = [];
  for (let start = clamped.from; start <= clamped.to; start += PARALLEL_READS) {
    const seqs: number[] = [];
    for (let seq = start; seq <= Math.min(clamped.to, start + PARALLEL_READS - 1); seq += 1) {
      seqs.push(seq);
    }
    const stored = await Promise.all(
      seqs.map((seq) => jsm.streams.getMessage(StreamName.events, { seq })),
    );
    for (const msg of stored) {
      if (msg !== null) {
        out.push({ seq: msg.seq, data: msg.data, headers: msg.header, time: msg.time });
      }
    }
  }
  return out;
}
