import { fromUtf8, parseJsonText } from '@fedplane/core';
import type { Log } from '@fedplane/messaging';
import { createInbox, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { parseQuorumAck } from '../core/quorum-ack-batch.js';
import type { OriginVerifier } from './origin-verifier.js';

/**
 * Collects the signed quorum acks sent to this gateway's `Fed-Ack-Inbox` (sync.md, Write path
 * step 4): each ack is a core `QuorumAck` body, or a batched one listing several msg ids
 * (core/quorum-ack-batch.ts), signed with the bus headers — verified ONCE per message, whatever
 * the number of ids and waiting pushes; it counts only when the signature verifies and the
 * credential's subject equals the ack's `node_id`. Unverified acks are dropped (counted).
 *
 * Verified acks are remembered per msg id (bounded, oldest forgotten first) for every msg id a
 * push tracked, including acks arriving after that push stopped waiting: a retried identical push
 * is a stream duplicate that no peer receives again, so it starts from the acks already recorded
 * for its msg ids and answers at once when they make the quorum (still distinct verified nodes).
 * A push is woken only when a node has acked ALL of its msg ids (the only event that can change
 * its quorum), so waiting costs O(1) per ack instead of a recount.
 */

/** One push waiting for acks. */
export type AckTracking = {
  /** Verified acking nodes per msg id. */
  readonly acks: ReadonlyMap<string, ReadonlySet<string>>;
  /** Resolves when a further node has acked every msg id (at once if one did since the last call). */
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
  readonly size: number;
  readonly acks: Map<string, Set<string>>;
  /** Msg ids acked per node. */
  readonly counts: Map<string, number>;
  dirty: boolean;
  wake: (() => void) | undefined;
};

/** Options of {@link startAckCollector}. */
export type AckCollectorOptions = {
  readonly nc: NatsConnection;
  readonly verifier: OriginVerifier;
  readonly nowS: () => number;
  readonly log: Log;
  /** Msg ids whose verified acks are remembered (default 100,000). */
  readonly remember?: number;
};

function record(tracker: Tracker, msgId: string, node: string): void {
  const nodes = tracker.acks.get(msgId) ?? new Set<string>();
  if (nodes.has(node)) return;
  nodes.add(node);
  tracker.acks.set(msgId, nodes);
  const count = (tracker.counts.get(node) ?? 0) + 1;
  tracker.counts.set(node, count);
  if (count < tracker.size) return;
  tracker.dirty = true;
  const wake = tracker.wake;
  tracker.wake = undefined;
  wake?.();
}

/** Subscribes to a fresh inbox and starts collecting. */
export function startAckCollector(options: AckCollectorOptions): AckCollector {
  const { nc, verifier, log } = options;
  const limit = options.remember ?? 100_000;
  const inbox = createInbox('_FEDSYNC');
  const byMsgId = new Map<string, Set<Tracker>>();
  /** Verified acking nodes of recently tracked msg ids (insertion order = age). */
  const known = new Map<string, Set<string>>();
  let refused = 0;

  const remember = (msgId: string): Set<string> => {
    let nodes = known.get(msgId);
    if (nodes === undefined) {
      nodes = new Set<string>();
      known.set(msgId, nodes);
      if (known.size > limit) {
        const oldest = known.keys().next();
        if (oldest.done !== true) known.delete(oldest.value);
      }
    }
    return nodes;
  };

  const accept = (body: Uint8Array, headers: Parameters<OriginVerifier['verify']>[0]): void => {
    const text = fromUtf8(body);
    const json = text === undefined ? undefined : parseJsonText(text);
    const ack = json?.ok === true ? parseQuorumAck(json.value) : undefined;
    if (ack === undefined) {
      refused += 1;
      return;
    }
    const wanted = ack.msgIds.filter((msgId) => known.has(msgId) || byMsgId.has(msgId));
    if (wanted.length === 0) return;
    const signature = verifier.verify(headers, body, options.nowS());
    if (signature.kind !== 'verified' || signature.signer !== ack.nodeId) {
      refused += 1;
      log.debug({ node_id: ack.nodeId, signature: signature.kind }, 'quorum ack refused');
      return;
    }
    for (const msgId of wanted) {
      remember(msgId).add(ack.nodeId);
      for (const tracker of byMsgId.get(msgId) ?? []) record(tracker, msgId, ack.nodeId);
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
      const unique = [...new Set(msgIds)];
      const tracker: Tracker = {
        size: unique.length,
        acks: new Map(),
        counts: new Map(),
        dirty: false,
        wake: undefined,
      };
      for (const msgId of unique) {
        const set = byMsgId.get(msgId) ?? new Set<Tracker>();
        set.add(tracker);
        byMsgId.set(msgId, set);
        for (const node of remember(msgId)) record(tracker, msgId, node);
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
          for (const msgId of unique) {
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
