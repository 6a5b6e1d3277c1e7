import type { VerifierBundle } from '@fedplane/core';
import {
  StreamName,
  SubjectFilter,
  parseNodeStatusSubject,
  signedHeaderValues,
} from '@fedplane/messaging';
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { verifyStatus, type StatusRecord, type StatusVerdict } from '../core/observation.js';

/**
 * Reads the latest signed status of every node from `FED_STATUS` (`fed.status.node.*`, one
 * message per subject) with an ephemeral ordered consumer delivering the last message per subject,
 * and verifies each one. Verdicts are cached per stream sequence and trust bundle, so a pass
 * re-verifies only statuses that changed (freshness and remaining lifetime are recomputed by core
 * `observe` every pass anyway).
 */

const FETCH_BATCH = 1_000;
const FETCH_EXPIRES_MS = 2_000;

/** The JetStream handles the reader needs. */
export type StatusStreams = { readonly js: JetStreamClient; readonly jsm: JetStreamManager };

/** A status with its verdict. */
export type VerifiedStatus = { readonly record: StatusRecord; readonly verdict: StatusVerdict };

/** A reader with its verification cache. */
export type StatusReader = {
  /** Every node's latest status (subject order), verified against `bundle` at `nowS`. */
  read(bundle: VerifierBundle | undefined, nowS: number): Promise<readonly VerifiedStatus[]>;
};

type Cached = { readonly bundle: VerifierBundle | undefined; readonly verdict: StatusVerdict };

/** Reads every latest node status once. */
async function readLatest(streams: StatusStreams): Promise<StatusRecord[]> {
  const info = await streams.jsm.streams.info(StreamName.status);
  if (info.state.messages === 0) return [];
  const consumer = await streams.js.consumers.get(StreamName.status, {
    filter_subjects: SubjectFilter.nodeStatus,
    deliver_policy: DeliverPolicy.LastPerSubject,
  });
  const records: StatusRecord[] = [];
  try {
    for (;;) {
      const batch = await consumer.fetch({ max_messages: FETCH_BATCH, expires: FETCH_EXPIRES_MS });
      let got = 0;
      let pending = 0;
      for await (const msg of batch) {
        got += 1;
        pending = msg.info.pending;
        const node = parseNodeStatusSubject(msg.subject);
        if (!node.ok) continue;
        records.push({
          nodeId: node.value,
          seq: msg.seq,
          body: msg.data,
          headers: signedHeaderValues(msg.headers),
          arrivedAtMs: Math.floor(msg.info.timestampNanos / 1_000_000),
        });
        if (pending === 0) break;
      }
      if (got === 0 || pending === 0) break;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return records;
}

/** A status reader over `streams`. */
export function createStatusReader(streams: StatusStreams): StatusReader {
  let cache = new Map<number, Cached>();
  return {
    read: async (bundle, nowS) => {
      const records = await readLatest(streams);
      const next = new Map<number, Cached>();
      const out = records.map((record): VerifiedStatus => {
        const hit = cache.get(record.seq);
        // A verdict stays good for the same bundle; a refused one may pass once the bundle moves,
        // and an accepted one is re-checked so an expired credential stops counting.
        const verdict =
          hit !== undefined &&
          hit.bundle === bundle &&
          (!hit.verdict.ok || hit.verdict.notAfter > nowS)
            ? hit.verdict
            : verifyStatus(record, bundle, nowS);
        next.set(record.seq, { bundle, verdict });
        return { record, verdict };
      });
      cache = next;
      return out;
    },
  };
}
