import { fromUtf8, parseJsonText } from '@fedplane/core';
import { SYNC_ACK_INBOX_PREFIX, type Log } from '@fedplane/messaging';
import {
  createInbox,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/nats-core';
import { parseQuorumAck } from '../core/quorum-ack-batch.js';
import type { OriginVerifier } from './origin-verifier.js';

/**
 * Collects the signed quorum acks sent to this gateway's `Fed-Ack-Inbox` (sync.md, Write path
 * step 4): each ack is a core `QuorumAck` body, or a batched one listing several msg ids
 * (core/quorum-ack-batch.ts), signed with the bus headers — verified ONCE per message, whatever
 * the number of ids and waiting pushes; it counts only when the signature verifies and the
 * credential's subject equals the ack's `node_id`. Unverified acks are dropped (counted).
 *
 * Verification is lazy: an ack is verified when a push is still waiting on one of its msg ids.
 * An ack that arrives after every push of its msg ids stopped waiting (the W-th ack met the
 * quorum, the others are surplus: N - W of them per record) is held unverified — one Ed25519
 * verify saved per surplus ack — and verified only if a retried identical push tracks those msg
 * ids again: a retry is a stream duplicate that no peer receives again, so it starts from the acks
 * already received and answers at once when they make the quorum (still distinct verified nodes).
 * Verified nodes are remembered per msg id (bounded, oldest forgotten first); held acks for the
 * most recent {@link HELD_MSG_IDS} msg ids, at most {@link HELD_PER_MSG_ID} each. A push is woken
 * only when a node has acked ALL of its msg ids (the only event that can change its quorum), so
 * waiting costs O(1) per ack instead of a recount.
 */

/** Msg ids whose surplus (unverified) acks are held for a retried push. */
export const HELD_MSG_IDS = 4_096;
/** Surplus acks held per msg id. */
export const HELD_PER_MSG_ID = 8;

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

/** An ack received while no push waited on its msg ids; verified on demand, once. */
type HeldAck = {
  readonly nodeId: string;
  readonly body: Uint8Array;
  readonly headers: MsgHdrs | undefined;
  outcome: 'unchecked' | 'verified' | 'refused';
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
  const inbox = createInbox(SYNC_ACK_INBOX_PREFIX);
  const byMsgId = new Map<string, Set<Tracker>>();
  /** Verified acking nodes of recently tracked msg ids (insertion order = age). */
  const known = new Map<string, Set<string>>();
  let refused = 0;

  /** Surplus acks per msg id (insertion order = age). */
  const held = new Map<string, HeldAck[]>();

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

  const verified = (ack: HeldAck): boolean => {
    if (ack.outcome === 'unchecked') {
      const signature = verifier.verify(ack.headers, ack.body, options.nowS());
      ack.outcome =
        signature.kind === 'verified' && signature.signer === ack.nodeId ? 'verified' : 'refused';
      if (ack.outcome === 'refused') {
        refused += 1;
        log.debug({ node_id: ack.nodeId, signature: signature.kind }, 'quorum ack refused');
      }
    }
    return ack.outcome === 'verified';
  };

  const hold = (msgId: string, ack: HeldAck): void => {
    const list = held.get(msgId) ?? [];
    if (list.length >= HELD_PER_MSG_ID) return;
    list.push(ack);
    held.set(msgId, list);
    if (held.size > HELD_MSG_IDS) {
      const oldest = held.keys().next();
      if (oldest.done !== true) held.delete(oldest.value);
    }
  };

  /** Verifies the acks held for `msgId` (now that a push waits on it) into `known`. */
  const settleHeld = (msgId: string): void => {
    const list = held.get(msgId);
    if (list === undefined) return;
    held.delete(msgId);
    for (const ack of list) if (verified(ack)) remember(msgId).add(ack.nodeId);
  };

  const accept = (body: Uint8Array, headers: MsgHdrs | undefined): void => {
    const text = fromUtf8(body);
    const json = text === undefined ? undefined : parseJsonText(text);
    const parsed = json?.ok === true ? parseQuorumAck(json.value) : undefined;
    if (parsed === undefined) {
      refused += 1;
      return;
    }
    const wanted = parsed.msgIds.filter((msgId) => known.has(msgId) || byMsgId.has(msgId));
    if (wanted.length === 0) return;
    const ack: HeldAck = { nodeId: parsed.nodeId, body, headers, outcome: 'unchecked' };
    if (!wanted.some((msgId) => byMsgId.has(msgId))) {
      for (const msgId of wanted) hold(msgId, ack);
      return;
    }
    if (!verified(ack)) return;
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
        settleHeld(msgId);
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
