import { utf8 } from '@fedplane/core';
import { FedHeader, signedHeaders } from '@fedplane/messaging';
import type { JsMsg } from '@nats-io/jetstream';
import { quorumAckBodies } from '../core/quorum-ack-batch.js';
import type { ReceiverOptions } from './receiver.js';

/**
 * Sends the signed quorum acks of applied messages younger than the quorum timeout (sync.md,
 * Receive path): one signed message per `Fed-Ack-Inbox` listing every msg id of the batch
 * (core/quorum-ack-batch.ts), so a batch costs one signature per pushing gateway, not one per
 * record. Fire-and-forget: a lost ack only costs that push its quorum.
 */
export function sendQuorumAcks(
  options: Pick<ReceiverOptions, 'nodeId' | 'nc' | 'signer' | 'quorumTimeoutMs' | 'nowMs' | 'log'>,
  msgs: readonly JsMsg[],
): void {
  const nowMs = options.nowMs();
  const byInbox = new Map<string, string[]>();
  for (const msg of msgs) {
    const inbox = msg.headers?.get(FedHeader.AckInbox) ?? '';
    const msgId = msg.headers?.get(FedHeader.MsgId) ?? '';
    if (inbox === '' || msgId === '') continue;
    if (nowMs - msg.info.timestampNanos / 1e6 > options.quorumTimeoutMs) continue;
    const ids = byInbox.get(inbox) ?? [];
    ids.push(msgId);
    byInbox.set(inbox, ids);
  }
  const at = new Date(nowMs).toISOString();
  for (const [inbox, ids] of byInbox) {
    for (const ack of quorumAckBodies(options.nodeId, ids, at)) {
      const body = utf8(JSON.stringify(ack));
      try {
        options.nc.publish(inbox, body, { headers: signedHeaders(options.signer, body) });
      } catch (err) {
        options.log.debug({ err }, 'quorum ack not sent');
      }
    }
  }
}
