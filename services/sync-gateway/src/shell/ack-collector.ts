import { QuorumAckSchema, fromUtf8, parseJsonText } from '@fedplane/core';
import type { Log } from '@fedplane/messaging';
import { createInbox, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import type { OriginVerifier } from './origin-verifier.js';

/**
 * Collects the signed quorum acks sent to this gateway's `Fed-Ack-Inbox` (sync.md, Write path
 * step 4): each ack is a {@link QuorumAckSchema} body signed with the bus headers; it counts only
 * when the signature verifies and the credential's subject equals the ack's `node_id`, and only
 * for a push that is still waiting on that `Nats-Msg-Id`. Unverified acks are dropped (counted).
 */

/** One push waiting for acks. */
export type AckTracking = {
  /** Verified acking nodes per msg id. */
  readonly acks: ReadonlyMap<string, ReadonlySet<string>>;
  /** Resolves at the next accepted ack (or at once if one arrived since the last call). */
  changed(): Promise<void>;
  /** Stops tracking. */
  done(): void;
};

/** The inbox and its trackers. */
export type AckCollector = {
  readonly inbox: string;
  track(msgIds: readonly string[]): AckTracking;
  /** Acks dropped because they did not verify or did not parse. */
  readonly refused: () => number;
  close(): void;
};

type Tracker = {
  readonly acks: Map<string, Set<string>>;
  dirty: boolean;
  wake: (() => void) | undefined;
};

/** Options of {@link startAckCollector}. */
export type AckCollectorOptions = {
  readonly nc: NatsConnection;
  readonly verifier: OriginVerifier;
  readonly nowS: () => number;
  readonly log: Log;
};

/** Subscribes to a fresh inbox and starts collecting. */
export function startAckCollector(options: AckCollectorOptions): AckCollector {
  const { nc, verifier, log } = options;
  const inbox = createInbox('_FEDSYNC');
  const byMsgId = new Map<string, Set<Tracker>>();
  let refused = 0;

  const accept = (body: Uint8Array, headers: Parameters<OriginVerifier['verify']>[0]): void => {
    const text = fromUtf8(body);
    const json = text === undefined ? undefined : parseJsonText(text);
    const ack = json?.ok === true ? QuorumAckSchema.safeParse(json.value) : undefined;
    if (ack?.success !== true) {
      refused += 1;
      return;
    }
    const trackers = byMsgId.get(ack.data.msg_id);
    if (trackers === undefined) return;
    const signature = verifier.verify(headers, body, options.nowS());
    if (signature.kind !== 'verified' || signature.signer !== ack.data.node_id) {
      refused += 1;
      log.debug({ node_id: ack.data.node_id, signature: signature.kind }, 'quorum ack refused');
      return;
    }
    for (const tracker of trackers) {
      const nodes = tracker.acks.get(ack.data.msg_id) ?? new Set<string>();
      nodes.add(ack.data.node_id);
      tracker.acks.set(ack.data.msg_id, nodes);
      tracker.dirty = true;
      const wake = tracker.wake;
      tracker.wake = undefined;
      wake?.();
    }
  };

  const sub: Subscription = nc.subscribe(inbox, {
    callback: (err, msg) => {
      if (err !== null) {
        log.warn({ err }, 'ack inbox failed');
        return;
      }
      accept(msg.data, msg.headers);
    },
  });

  return {
    inbox,
    refused: () => refused,
    track(msgIds) {
      const tracker: Tracker = { acks: new Map(), dirty: false, wake: undefined };
      for (const msgId of msgIds) {
        const set = byMsgId.get(msgId) ?? new Set<Tracker>();
        set.add(tracker);
        byMsgId.set(msgId, set);
      }
      return {
        acks: tracker.acks,
        changed: () => {
          if (tracker.dirty) {
            tracker.dirty = false;
            return Promise.resolve();
          }
          return new Promise<void>((resolve) => {
            tracker.wake = () => {
              tracker.dirty = false;
              resolve();
            };
          });
        },
        done: () => {
          for (const msgId of msgIds) {
            const set = byMsgId.get(msgId);
            set?.delete(tracker);
            if (set?.size === 0) byMsgId.delete(msgId);
          }
          tracker.wake = undefined;
        },
      };
    },
    close: () => sub.unsubscribe(),
  };
}
