import type { PeerScopes } from '@fedplane/core';
import type { CredentialSigner, Log } from '@fedplane/messaging';
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { sleep } from '@fedplane/runtime';
import { winnersById } from '../core/record-version.js';
import type { Forwarder } from '../adapters/forward-client.js';
import type { StoredVersion } from '../adapters/pg-replica.js';
import { isDataRefusal } from '../core/store-error.js';
import { versionKey, type ApplyQueue } from './apply-queue.js';
import type { DlqWriter } from './dlq-writer.js';
import type { OriginVerifier } from './origin-verifier.js';
import { sendQuorumAcks } from './quorum-ack-sender.js';
import {
  deadLetter,
  plan,
  refusedLetter,
  signaturesOf,
  type Letter,
  type Planned,
} from './receive-plan.js';
import type { SyncMetrics } from './sync-metrics.js';
import type { VerifyPool } from './verify-pool.js';

/**
 * The receive path (sync.md): this gateway's durable pull consumer on `FED_SYNC`, processed in
 * micro-batches. Per batch: verify each origin (cached credential check + one Ed25519 verify),
 * decide (core `decideReceive`), apply every applicable record in ONE upsert, then ack, then send
 * the signed quorum acks (one signed message per `Fed-Ack-Inbox` per batch) for the messages
 * younger than the quorum timeout. Our own records are acked without a signature check.
 * Poison records go to the DLQ and are terminated. Postgres or the DLQ stream down: nothing is
 * acked or dead-lettered; the batch is retried with backoff while `working()` keeps the messages
 * ours, and readiness reports the dependency down.
 */

/** Options of {@link startReceiver}. */
export type ReceiverOptions = {
  readonly nodeId: string;
  readonly nc: NatsConnection;
  readonly consumer: Consumer;
  readonly verifier: OriginVerifier;
  /** Verifies batches of record signatures off the event loop (inline when absent). */
  readonly pool?: VerifyPool | undefined;
  readonly signer: CredentialSigner;
  readonly queue: ApplyQueue;
  readonly dlq: DlqWriter;
  readonly scopes: PeerScopes;
  readonly requireSig: () => boolean;
  readonly quorumTimeoutMs: number;
  readonly batch: number;
  readonly nowMs: () => number;
  readonly metrics: SyncMetrics;
  readonly log: Log;
  /** Forwards applied records to the node's daemon (`SYNC_FORWARD_URL`), when configured. */
  readonly forward?: Forwarder | undefined;
};

/** A running receiver. */
export type Receiver = {
  /** False while a dependency is down (the batch is being retried). */
  healthy(): boolean;
  /** Messages processed (acked or terminated) since start. */
  processed(): number;
  stop(): Promise<void>;
  /** Settles when the loop ends (rejects on an unexpected failure). */
  readonly done: Promise<void>;
};

const RETRY_MS = [200, 500, 1_000, 2_000, 5_000] as const;

/** Batches processed together (see the worker). */
const PIPELINE = 2;

/** Starts consuming. */
export function startReceiver(options: ReceiverOptions): Receiver {
  const { log } = options;
  const abort = new AbortController();
  let healthy = true;
  let processed = 0;
  const buffer: JsMsg[] = [];
  let wake: (() => void) | undefined;
  let ended = false;

  const withRetry = async (
    what: string,
    work: () => Promise<void>,
    msgs: readonly JsMsg[],
  ): Promise<boolean> => {
    for (let attempt = 0; !abort.signal.aborted; attempt += 1) {
      try {
        await work();
        if (!healthy) log.info({ what }, 'dependency back, receive resumed');
        healthy = true;
        return true;
      } catch (err) {
        if (healthy) log.warn({ err, what }, 'dependency down, receive paused');
        healthy = false;
        for (const msg of msgs) msg.working();
        await sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)] ?? 5_000, abort.signal);
      }
    }
    return false;
  };

  /**
   * Applies the batch in one upsert; when Postgres refuses its data, applies each version on its
   * own and returns the refused ones (anything else — the store down — rejects).
   */
  const applyIsolating = async (
    versions: readonly StoredVersion[],
  ): Promise<Map<string, Letter>> => {
    const refused = new Map<string, Letter>();
    try {
      options.metrics.applied.stream += (await options.queue.apply(versions)).size;
    } catch (err) {
      if (!isDataRefusal(err)) throw err;
      for (const version of versions) {
        try {
          options.metrics.applied.stream += (await options.queue.apply([version])).size;
        } catch (one) {
          if (!isDataRefusal(one)) throw one;
          log.warn({ err: one, record_id: version.id }, 'record refused by the replica store');
          refused.set(versionKey(version), refusedLetter(version, one));
        }
      }
    }
    return refused;
  };

  /** Forwards; when the target refuses a batch, forwards each version alone to find which. */
  const forwardIsolating = async (
    forward: Forwarder,
    versions: readonly StoredVersion[],
  ): Promise<Map<string, Letter>> => {
    const refused = new Map<string, Letter>();
    const all = await forward(versions);
    if (all.kind === 'delivered') return refused;
    for (const version of versions) {
      const one = versions.length === 1 ? all : await forward([version]);
      if (one.kind === 'delivered') continue;
      log.warn({ record_id: version.id, status: one.status }, 'forward target refused a record');
      refused.set(versionKey(version), {
        origin: version.origin,
        class: 'forward_refused',
        detail: one.detail,
        recordId: version.id,
        namespace: version.namespace,
      });
    }
    return refused;
  };

  const processBatch = async (msgs: JsMsg[]): Promise<void> => {
    const signatures = await signaturesOf(options, msgs);
    const planned = msgs.map((msg, index) => plan(options, msg, signatures[index]));
    const applies = planned.filter(
      (p): p is Extract<Planned, { kind: 'apply' }> => p.kind === 'apply',
    );
    const versions = winnersById(applies.map((p) => p.version));
    let refused = new Map<string, Letter>();
    const ok = await withRetry(
      'postgres',
      async () => {
        refused = await applyIsolating(versions);
      },
      msgs,
    );
    if (!ok) return;
    const forward = options.forward;
    const toForward = versions.filter((v) => !refused.has(versionKey(v)));
    if (forward !== undefined && toForward.length > 0) {
      const forwarded = await withRetry(
        'forward target',
        async () => {
          for (const [key, letter] of await forwardIsolating(forward, toForward)) {
            refused.set(key, letter);
          }
        },
        msgs,
      );
      if (!forwarded) return;
    }
    for (const [index, p] of planned.entries()) {
      if (p.kind !== 'apply') continue;
      const letter = refused.get(versionKey(p.version));
      if (letter !== undefined) planned[index] = deadLetter(options, p.msg, letter);
    }
    for (const p of planned) {
      if (p.kind === 'dlq') {
        const stored = await withRetry('dlq stream', p.run, [p.msg]);
        if (!stored) return;
        // No reason text: NATS 2.9 only knows a bare `+TERM` and ignores `+TERM <reason>`, which
        // would leave the record pending, redelivered forever and holding a max_ack_pending slot.
        p.msg.term();
      } else p.msg.ack();
      processed += 1;
    }
    sendQuorumAcks(
      options,
      applies.filter((p) => !refused.has(versionKey(p.version))).map((p) => p.msg),
    );
    const last = msgs.at(-1);
    if (last !== undefined) options.metrics.consumerLag = last.info.pending;
  };

  /**
   * Takes batches from the buffer, PIPELINE of them in flight: the next batch is verified and
   * decided while the previous one waits on Postgres (the conflict rule makes the apply order
   * irrelevant; each message is acked only after its own batch is applied).
   */
  const worker = async (): Promise<void> => {
    const inFlight = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    while (!abort.signal.aborted && failure === undefined) {
      if (inFlight.size >= PIPELINE) {
        await Promise.race(inFlight);
        continue;
      }
      if (buffer.length === 0) {
        if (ended) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      const msgs = buffer.splice(0, options.batch);
      const running: Promise<void> = processBatch(msgs)
        .catch((err: unknown) => {
          failure ??= { err };
          wake?.();
        })
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure.err;
  };

  const reader = async (): Promise<void> => {
    const messages = await options.consumer.consume({ max_messages: Math.max(options.batch, 100) });
    abort.signal.addEventListener('abort', () => void messages.close(), { once: true });
    try {
      for await (const msg of messages) {
        buffer.push(msg);
        wake?.();
      }
    } finally {
      ended = true;
      wake?.();
    }
  };

  const done = Promise.all([reader(), worker()]).then(() => undefined);
  done.catch(() => undefined);
  return {
    healthy: () => healthy,
    processed: () => processed,
    stop: async () => {
      abort.abort();
      wake?.();
      await done.catch(() => undefined);
    },
    done,
  };
}
