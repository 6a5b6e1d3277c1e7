import {
  buildEvent,
  eventSubject,
  newEventStamp,
  publishSigned,
  type CredentialSigner,
  type Log,
} from '@fedplane/messaging';
import type { JetStreamClient } from '@nats-io/jetstream';
import { sleep, type Clock } from '@fedplane/runtime';
import { claimStaleOutbox, deleteOutbox, type OutboxEvent } from '../adapters/pg-outbox.js';
import { withTransaction, type Connectable } from '../adapters/pg-transaction.js';

/**
 * The approvals service's events (approvals.md "Events"). Each is built here, inserted into
 * `approvals_outbox` in the transaction of the change it reports, and published right after the
 * commit, signed as this instance (`svc/approvals/<instance>`); the row is deleted once JetStream
 * stored the event. A sweeper (every instance) republishes rows whose fast path failed or whose
 * instance died; `Nats-Msg-Id` = event id makes a double publish harmless.
 */

/** One event as the use cases describe it. */
export type ApprovalEvent = {
  readonly type: string;
  readonly subject?: string;
  readonly cause?: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** The event's `at` in Unix ms (default: now). */
  readonly atMs?: number;
};

/** Dependencies of {@link createEventSink}. */
export type EventSinkDeps = {
  readonly js: JetStreamClient;
  readonly pool: Connectable;
  readonly clock: Clock;
  readonly log: Log;
  /** This instance's identity; its agent id is every event's `actor`. */
  readonly signer: CredentialSigner;
  /** Sweep period (default 2 000 ms); rows older than 2 periods are republished. */
  readonly sweepMs?: number;
};

/** The event port of the use cases. */
export type EventSink = {
  /** Builds the exact bytes of an event (throws `AppError` for data the catalog refuses). */
  build(event: ApprovalEvent): OutboxEvent;
  /** After the commit that inserted `events`: publish them now (in the background). */
  committed(events: readonly OutboxEvent[]): void;
  /** Republishes stale outbox rows until `signal` aborts. */
  runSweeper(signal: AbortSignal): Promise<void>;
  /** Waits for background publishes and deletes in flight. */
  flush(): Promise<void>;
};

const DELETE_BATCH = 256;

/** Creates the event sink. */
export function createEventSink(deps: EventSinkDeps): EventSink {
  const { log } = deps;
  const sweepMs = deps.sweepMs ?? 2_000;
  const inFlight = new Set<Promise<unknown>>();
  let pendingDeletes: string[] = [];
  let deleting: Promise<void> | undefined;

  const track = <T>(work: Promise<T>): void => {
    const p = work.then(
      () => undefined,
      (err: unknown) => log.error({ err }, 'event publish task failed'),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const flushDeletes = async (): Promise<void> => {
    while (pendingDeletes.length > 0) {
      const batch = pendingDeletes.slice(0, DELETE_BATCH);
      pendingDeletes = pendingDeletes.slice(DELETE_BATCH);
      try {
        await deleteOutbox(deps.pool, batch);
      } catch (err) {
        log.warn({ err, count: batch.length }, 'outbox delete failed; the sweeper will retry');
      }
    }
  };
  const scheduleDelete = (ids: readonly string[]): void => {
    pendingDeletes.push(...ids);
    if (deleting !== undefined) return;
    deleting = flushDeletes().finally(() => {
      deleting = undefined;
      if (pendingDeletes.length > 0) scheduleDelete([]);
    });
    track(deleting);
  };

  const publishOne = async (event: OutboxEvent): Promise<void> => {
    await publishSigned(deps.js, {
      subject: event.subject,
      body: event.body,
      signer: deps.signer,
      msgId: event.eventId,
    });
  };

  const publishAll = async (events: readonly OutboxEvent[]): Promise<string[]> => {
    const results = await Promise.allSettled(events.map(publishOne));
    const done: string[] = [];
    results.forEach((result, i) => {
      const event = events[i];
      if (event === undefined) return;
      if (result.status === 'fulfilled') done.push(event.eventId);
      else {
        const err: unknown = result.reason;
        log.warn({ err, event_id: event.eventId }, 'event publish failed');
      }
    });
    return done;
  };

  const sweepOnce = async (): Promise<number> =>
    withTransaction(deps.pool, async (db) => {
      const stale = await claimStaleOutbox(db, deps.clock.nowMs() - 2 * sweepMs, 500);
      if (stale.length === 0) return 0;
      const done = await publishAll(stale);
      await deleteOutbox(db, done);
      if (done.length > 0) log.info({ count: done.length }, 'outbox events republished');
      return stale.length;
    });

  return {
    build: (event) => {
      const stamp = newEventStamp(event.atMs ?? deps.clock.nowMs());
      const input = {
        ...stamp,
        type: event.type,
        actor: deps.signer.agentId,
        ...(event.subject === undefined ? {} : { subject: event.subject }),
        ...(event.cause === undefined ? {} : { cause: event.cause }),
        data: event.data,
      };
      return {
        eventId: stamp.id,
        subject: eventSubject(event.type, event.subject),
        body: buildEvent(input),
      };
    },
    committed: (events) => {
      if (events.length === 0) return;
      track(publishAll(events).then((done) => scheduleDelete(done)));
    },
    runSweeper: async (signal) => {
      while (!signal.aborted) {
        try {
          while ((await sweepOnce()) === 500 && !signal.aborted);
        } catch (err) {
          log.warn({ err }, 'outbox sweep failed');
        }
        await sleep(sweepMs, signal);
      }
    },
    flush: async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
