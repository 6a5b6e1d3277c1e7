import {
  buildEvent,
  eventSubject,
  newEventStamp,
  publishSigned,
  type Signer,
} from '@fedplane/messaging';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Clock } from './clock.js';
import { sleep } from './clock.js';
import type { OutboxEvent, OutboxQueryable, OutboxStatements } from './event-outbox.js';
import type { Log } from './logger.js';

/**
 * The event sink of a service that keeps an event outbox (issuer, approvals): a state-changing
 * event is built here, inserted into the service's outbox table in the transaction of the change
 * it reports, and published right after the commit, signed; its row is deleted (in batches) once
 * JetStream stored it. A sweeper (every instance; rows claimed with SKIP LOCKED) republishes rows
 * whose fast path failed or whose instance died; `Nats-Msg-Id` = event id makes a double publish
 * harmless. {@link OutboxSink.background} runs other publishes (stateless events) under the same
 * flush.
 */

/** One event as a use case describes it. */
export type SinkEvent = {
  readonly type: string;
  readonly subject?: string;
  readonly cause?: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** The event's `at` in Unix ms (default: now). */
  readonly atMs?: number;
};

/** Dependencies of {@link createOutboxSink}. */
export type OutboxSinkDeps = {
  readonly js: JetStreamClient;
  /** The statements on the service's outbox table (runtime `outboxStatements`). */
  readonly statements: OutboxStatements;
  /** Where deletes run (a pool). */
  readonly db: OutboxQueryable;
  /** Runs `work` in one transaction (the sweeper's claim, publish and delete). */
  readonly transaction: <T>(work: (db: OutboxQueryable) => Promise<T>) => Promise<T>;
  readonly clock: Clock;
  readonly log: Log;
  /** Agent id written as every event's `actor`. */
  readonly actor: string;
  /** The signer of the moment (e.g. the issuer's active key, or this instance's credential). */
  readonly signer: () => Signer | Promise<Signer>;
  /** Sweep period (default 2 000 ms); rows older than 2 periods are republished. */
  readonly sweepMs?: number;
};

/** The event port of the use cases. */
export type OutboxSink = {
  /** Builds the exact bytes of an event (throws `AppError` for data the catalog refuses). */
  build(event: SinkEvent): OutboxEvent;
  /** After the commit that inserted `events`: publish them now (in the background). */
  committed(events: readonly OutboxEvent[]): void;
  /** Runs `work` in the background; its failure is logged; {@link flush} waits for it. */
  background(work: Promise<unknown>): void;
  /** Republishes stale outbox rows until `signal` aborts. */
  runSweeper(signal: AbortSignal): Promise<void>;
  /** Waits for background publishes and deletes in flight. */
  flush(): Promise<void>;
};

const DELETE_BATCH = 256;
const SWEEP_PAGE = 500;

/** Creates the sink. */
export function createOutboxSink(deps: OutboxSinkDeps): OutboxSink {
  const { log, statements } = deps;
  const sweepMs = deps.sweepMs ?? 2_000;
  const inFlight = new Set<Promise<unknown>>();
  let pendingDeletes: string[] = [];
  let deleting: Promise<void> | undefined;

  const background = (work: Promise<unknown>): void => {
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
        await statements.deleteOutbox(deps.db, batch);
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
    background(deleting);
  };

  const publishOne = async (event: OutboxEvent): Promise<void> => {
    await publishSigned(deps.js, {
      subject: event.subject,
      body: event.body,
      signer: await deps.signer(),
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
      else
        log.warn(
          { err: result.reason as unknown, event_id: event.eventId },
          'event publish failed',
        );
    });
    return done;
  };

  const sweepOnce = async (): Promise<number> =>
    deps.transaction(async (db) => {
      const stale = await statements.claimStaleOutbox(
        db,
        deps.clock.nowMs() - 2 * sweepMs,
        SWEEP_PAGE,
      );
      if (stale.length === 0) return 0;
      const done = await publishAll(stale);
      await statements.deleteOutbox(db, done);
      if (done.length > 0) log.info({ count: done.length }, 'outbox events republished');
      return stale.length;
    });

  return {
    build: (event) => {
      const stamp = newEventStamp(event.atMs ?? deps.clock.nowMs());
      return {
        eventId: stamp.id,
        subject: eventSubject(event.type, event.subject),
        body: buildEvent({
          ...stamp,
          type: event.type,
          actor: deps.actor,
          ...(event.subject === undefined ? {} : { subject: event.subject }),
          ...(event.cause === undefined ? {} : { cause: event.cause }),
          data: event.data,
        }),
      };
    },
    committed: (events) => {
      if (events.length === 0) return;
      background(publishAll(events).then((done) => scheduleDelete(done)));
    },
    background,
    runSweeper: async (signal) => {
      while (!signal.aborted) {
        try {
          while ((await sweepOnce()) === SWEEP_PAGE && !signal.aborted);
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
