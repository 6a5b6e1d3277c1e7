import type { EventEnvelope, VerifierBundle } from '@fedplane/core';
import { eventAreaFilter, verifyEventMessage, type Log } from '@fedplane/messaging';
import { sleep, type Clock } from '@fedplane/runtime';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { listActiveRules } from '../adapters/pg-rules.js';
import type { Queryable } from '../adapters/pg-transaction.js';
import { createFrameQueue, type FrameQueue, type QueueItem } from '../core/frame-queue.js';
import { frameOf } from '../core/frames.js';
import type { ConfiguredRule, RememberedRule } from '../core/rules.js';
import { isVisible } from '../core/tenant-filter.js';

/**
 * The SSE fan-out of one instance (approvals.md `GET /api/v1/approvals/stream`): a core NATS
 * subscription on `fed.evt.approval.>` brings every replica's approval events here, each verified
 * against the trust bundle and accepted only from an approvals identity (`svc/approvals/…`); each
 * frame is pushed, without waiting, into the bounded queue of every subscriber the tenant filter
 * lets see it. A subscriber's writer drains its own queue at its socket's pace, so a slow
 * subscriber only overflows its own queue (and gets `lagged`). Keep-alives are queued every
 * `keepaliveMs`. The allow rules the filter needs are cached and reloaded from Postgres when a
 * rule event arrives (and every `rulesRefreshMs`).
 */

/** Dependencies of {@link createSseHub}. */
export type SseHubDeps = {
  readonly nc: NatsConnection;
  readonly pool: Queryable;
  readonly clock: Clock;
  readonly log: Log;
  readonly trust: { current(): VerifierBundle | undefined };
  readonly configuredRules: readonly ConfiguredRule[];
  /** Frames a subscriber may have queued before it is `lagged` (reference: 1 024). */
  readonly bufferFrames: number;
  /** Keep-alive period (15 s). */
  readonly keepaliveMs: number;
  /** Rule cache refresh period (default 30 s). */
  readonly rulesRefreshMs?: number;
};

/** One attached subscriber. */
export type SseSubscription = {
  /** The next item; undefined once the subscription is closed. Waits while the queue is empty. */
  next(): Promise<QueueItem | undefined>;
  /** Every item queued right now, without waiting (the writer batches them into one write). */
  takeQueued(): QueueItem[];
  close(): void;
  readonly queue: FrameQueue;
};

/** Counters for metrics and tests. */
export type SseHubStats = {
  readonly subscribers: number;
  readonly received: number;
  readonly refused: number;
  readonly lagged: number;
};

/** A running hub. */
export type SseHub = {
  /** Attaches a subscriber (`null` = anonymous: it only ever gets keep-alives). */
  attach(subscriber: string | null): SseSubscription;
  /** Fans one verified event out (what the NATS subscription calls). */
  deliver(event: EventEnvelope): void;
  stats(): SseHubStats;
  /** Subscribes to the bus and loads the rules. */
  start(): Promise<void>;
  /** Unsubscribes and closes every subscriber. */
  stop(): Promise<void>;
};

type Attached = {
  readonly subscriber: string | null;
  readonly queue: FrameQueue;
  wake: (() => void) | undefined;
  closed: boolean;
};

const APPROVALS_ACTOR_PREFIX = 'svc/approvals/';

/** Creates the hub (not yet subscribed; call `start`). */
export function createSseHub(deps: SseHubDeps): SseHub {
  const { log, clock } = deps;
  const attached = new Set<Attached>();
  let remembered: readonly RememberedRule[] = [];
  let received = 0;
  let refused = 0;
  let lagged = 0;
  let sub: Subscription | undefined;
  const stopping = new AbortController();
  let reload: Promise<void> | undefined;
  let reloadAgain = false;
  let loops: Promise<unknown> = Promise.resolve();

  const loadRules = async (): Promise<void> => {
    const rules = await listActiveRules(deps.pool, clock.nowMs());
    remembered = rules.map((r) => r.rule);
  };
  const scheduleReload = (): void => {
    if (reload !== undefined) {
      reloadAgain = true;
      return;
    }
    reload = loadRules()
      .catch((err: unknown) => log.warn({ err }, 'approval rules reload failed'))
      .finally(() => {
        reload = undefined;
        if (reloadAgain) {
          reloadAgain = false;
          scheduleReload();
        }
      });
  };

  const wake = (a: Attached): void => {
    const w = a.wake;
    a.wake = undefined;
    w?.();
  };

  const deliver = (event: EventEnvelope): void => {
    if (event.type === 'approval.rule_recorded' || event.type === 'approval.rule_deleted') {
      scheduleReload();
      return;
    }
    const routed = frameOf(event);
    if (routed === undefined) return;
    const nowMs = clock.nowMs();
    const rules = { remembered, configured: deps.configuredRules };
    for (const a of attached) {
      if (!isVisible({ subscriber: a.subscriber, event: routed, rules, nowMs })) continue;
      if (a.queue.push(routed.frame) === 'lagged') lagged += 1;
      wake(a);
    }
  };

  const onMessage = (msg: { data: Uint8Array; headers?: unknown; subject: string }): void => {
    received += 1;
    const bundle = deps.trust.current();
    if (bundle === undefined) {
      refused += 1;
      return;
    }
    const verified = verifyEventMessage({
      headers: msg.headers as Parameters<typeof verifyEventMessage>[0]['headers'],
      body: msg.data,
      bundle,
      nowS: Math.floor(clock.nowMs() / 1000),
    });
    const a = verified.attestation;
    if (
      !verified.event.ok ||
      a.attest_level !== 'credential_signed' ||
      !verified.event.value.actor.startsWith(APPROVALS_ACTOR_PREFIX)
    ) {
      refused += 1;
      log.debug({ subject: msg.subject, attest_level: a.attest_level }, 'approval event refused');
      return;
    }
    deliver(verified.event.value);
  };

  const keepalive = async (signal: AbortSignal): Promise<void> => {
    while (await sleep(deps.keepaliveMs, signal)) {
      for (const a of attached) {
        if (a.queue.pushKeepalive() === 'queued') wake(a);
      }
    }
  };
  const refresh = async (signal: AbortSignal): Promise<void> => {
    while (await sleep(deps.rulesRefreshMs ?? 30_000, signal)) scheduleReload();
  };

  return {
    attach(subscriber) {
      const a: Attached = {
        subscriber,
        queue: createFrameQueue(deps.bufferFrames),
        wake: undefined,
        closed: false,
      };
      attached.add(a);
      return {
        queue: a.queue,
        next: async () => {
          for (;;) {
            if (a.closed) return undefined;
            const item = a.queue.shift();
            if (item !== undefined) return item;
            await new Promise<void>((resolve) => (a.wake = resolve));
          }
        },
        takeQueued: () => {
          const items: QueueItem[] = [];
          for (let item = a.queue.shift(); item !== undefined; item = a.queue.shift()) {
            items.push(item);
          }
          return items;
        },
        close: () => {
          a.closed = true;
          attached.delete(a);
          wake(a);
        },
      };
    },
    deliver,
    stats: () => ({ subscribers: attached.size, received, refused, lagged }),
    start: async () => {
      await loadRules();
      sub = deps.nc.subscribe(eventAreaFilter('approval'), {
        callback: (err, msg) => {
          if (err !== null) {
            log.warn({ err }, 'approval event subscription failed');
            return;
          }
          onMessage(msg);
        },
      });
      await deps.nc.flush();
      loops = Promise.all([keepalive(stopping.signal), refresh(stopping.signal)]);
    },
    stop: async () => {
      stopping.abort();
      sub?.unsubscribe();
      for (const a of [...attached]) {
        a.closed = true;
        attached.delete(a);
        wake(a);
      }
      await loops;
      await reload;
    },
  };
}
