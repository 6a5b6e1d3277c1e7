import {
  SinceResponseSchema,
  durableName,
  utf8,
  validateSyncRecord,
  type SinceQuery,
  type ValidatedRecord,
} from '@fedplane/core';
import {
  StreamName,
  request,
  signedHeaders,
  syncSinceSubject,
  type CredentialSigner,
  type Log,
} from '@fedplane/messaging';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { toVersion, type RecordVersion } from '../core/record-version.js';
import type { ApplyQueue } from './apply-queue.js';

/**
 * Copies a peer's replica (sync.md, Catch-up): reads the peer's consumer ack floor FIRST (the
 * stream sequence the copy is consistent with), then pages through `fed.sync.<peer>.since`
 * (signed by this node, keyset cursor, 1 000 rows a page) applying every page with the conflict
 * rule. The copied rows record the peer as their origin — the conflict rule needs only
 * their bytes. Returns what the caller consumes from.
 */

/** Options of {@link copyPeerReplica}. */
export type SnapshotOptions = {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly signer: CredentialSigner;
  readonly queue: ApplyQueue;
  readonly peer: string;
  readonly pageSize?: number;
  readonly log: Log;
};

/** What a copy did. */
export type SnapshotResult = {
  readonly peer: string;
  readonly peerAckFloorSeq: number;
  readonly records: number;
  readonly pages: number;
};

async function fetchPage(options: SnapshotOptions, query: SinceQuery) {
  const body = utf8(JSON.stringify(query));
  return request(options.nc, syncSinceSubject(options.peer), query, {
    schema: SinceResponseSchema,
    headers: signedHeaders(options.signer, body),
    timeoutMs: 30_000,
  });
}

/** Copies the peer's replica; rejects when the peer or its consumer cannot be read. */
export async function copyPeerReplica(options: SnapshotOptions): Promise<SnapshotResult> {
  const info = await options.jsm.consumers.info(StreamName.sync, durableName('sync', options.peer));
  const peerAckFloorSeq = info.ack_floor.stream_seq;
  const limit = options.pageSize ?? 1_000;
  let cursor: string | undefined;
  let records = 0;
  let pages = 0;
  for (;;) {
    const page = await fetchPage(options, {
      limit,
      ...(cursor === undefined ? {} : { cursor }),
    });
    pages += 1;
    const versions: RecordVersion[] = [];
    for (const memory of page.memories) {
      const checked = validateSyncRecord(memory);
      if (!checked.ok) continue;
      const validated: ValidatedRecord =
        checked.kind === 'memory'
          ? { kind: 'memory', record: checked.record }
          : { kind: 'tombstone', record: checked.record };
      const version = toVersion(validated, options.peer);
      if (version !== undefined) versions.push(version);
    }
    await options.queue.apply(versions);
    records += versions.length;
    if (page.next_cursor === null) break;
    cursor = page.next_cursor;
  }
  options.log.info(
    { peer: options.peer, records, pages, peer_ack_floor: peerAckFloorSeq },
    'peer replica copied',
  );
  return { peer: options.peer, peerAckFloorSeq, records, pages };
}
