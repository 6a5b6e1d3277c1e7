import {
  signedHeaderValues,
  syncDlqSubject,
  publishSigned,
  type CredentialSigner,
} from '@fedplane/messaging';
import type { DlqEntry } from '@fedplane/core';
import { toBase64, utf8 } from '@fedplane/core';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import type { EmitEvent } from './event-emitter.js';
import type { SyncMetrics } from './sync-metrics.js';

/**
 * Writes a record that can never apply to `fed.sync.dlq.<node>` (stream `FED_SYNC_DLQ`) with its
 * class and detail, the exact record bytes and the origin's signature headers (so a replay
 * re-verifies exactly what was received), signed by the node, `Nats-Msg-Id =
 * <node>:dlq:<stream seq>` (a redelivered poison record is stored once). Then `sync.dlq_added`.
 * Rejects when the DLQ stream cannot take it (the caller leaves the record unacked).
 */

/** One dead letter to write. */
export type DeadLetter = {
  readonly origin: string;
  readonly class: DlqEntry['class'];
  readonly detail: string;
  readonly recordId?: string | undefined;
  readonly namespace?: string | undefined;
  readonly msgId: string;
  readonly streamSeq: number;
  readonly body: Uint8Array;
  readonly headers: MsgHdrs | undefined;
};

/** Options of {@link createDlqWriter}. */
export type DlqWriterOptions = {
  readonly nodeId: string;
  readonly js: JetStreamClient;
  readonly signer: CredentialSigner;
  readonly emit: EmitEvent;
  readonly metrics: SyncMetrics;
  readonly nowMs: () => number;
};

/** Writes dead letters. */
export type DlqWriter = (letter: DeadLetter) => Promise<void>;

/** Creates the writer. */
export function createDlqWriter(options: DlqWriterOptions): DlqWriter {
  return async (letter) => {
    const signed = signedHeaderValues(letter.headers);
    const entry: DlqEntry = {
      node_id: options.nodeId,
      origin: letter.origin,
      class: letter.class,
      detail: letter.detail.slice(0, 2000),
      ...(letter.recordId === undefined ? {} : { record_id: letter.recordId }),
      ...(letter.namespace === undefined ? {} : { namespace: letter.namespace }),
      msg_id: letter.msgId.slice(0, 512) || `seq:${String(letter.streamSeq)}`,
      stream_seq: letter.streamSeq,
      failed_at: new Date(options.nowMs()).toISOString(),
      record: toBase64(letter.body),
      ...(signed.signature === undefined ? {} : { signature: signed.signature }),
      ...(signed.credential === undefined ? {} : { credential: signed.credential }),
      ...(signed.chain === undefined ? {} : { chain: signed.chain }),
    };
    const ack = await publishSigned(options.js, {
      subject: syncDlqSubject(options.nodeId),
      body: utf8(JSON.stringify(entry)),
      signer: options.signer,
      msgId: `${options.nodeId}:dlq:${String(letter.streamSeq)}`,
    });
    if (ack.duplicate) return;
    options.metrics.dlqAdded.set(
      letter.class,
      (options.metrics.dlqAdded.get(letter.class) ?? 0) + 1,
    );
    options.metrics.dlqDepth += 1;
    void options.emit('sync.dlq_added', {
      class: letter.class,
      origin: letter.origin,
      ...(letter.recordId === undefined ? {} : { record_id: letter.recordId }),
      ...(letter.namespace === undefined ? {} : { namespace: letter.namespace }),
      detail: letter.detail.slice(0, 512),
      stream_seq: letter.streamSeq,
    });
  };
}
