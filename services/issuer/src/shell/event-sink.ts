import { newEventStamp, publishEvent, type IssuerSigner } from '@fedplane/messaging';
import type { JetStreamClient } from '@nats-io/jetstream';
import {
  createOutboxSink,
  type Clock,
  type Log,
  type OutboxSink,
  type SinkEvent,
} from '@fedplane/runtime';
import { claimStaleOutbox, deleteOutbox, insertOutbox } from '../adapters/pg-outbox.js';
import { withTransaction, type Connectable } from '../adapters/pg-transaction.js';

/**
 * The issuer's events (identity.md: every issuance is an audited event), through the runtime
 * outbox sink over `event_outbox`, signed with the issuer's active key (`Fed-Issuer`). Refusal
 * events (`credential.denied`) change no state and are published best-effort without the outbox.
 */

/** One event as the handlers describe it. */
export type IssuerEvent = SinkEvent;

/** Dependencies of {@link createEventSink}. */
export type EventSinkDeps = {
  readonly js: JetStreamClient;
  readonly pool: Connectable;
  readonly clock: Clock;
  readonly log: Log;
  /** Agent id written as `actor` (`svc/issuer/<instance>`). */
  readonly actor: string;
  /** The signer of the moment (the active key of the published bundle). */
  readonly signer: () => Promise<IssuerSigner>;
  /** Sweep period (default 2 000 ms); rows older than 2 periods are republished. */
  readonly sweepMs?: number;
};

/** The event port of the handlers. */
export type EventSink = OutboxSink & {
  /** Publishes a stateless event (a refusal) in the background, best-effort. */
  publishDirect(event: IssuerEvent): void;
};

/** Creates the event sink. */
export function createEventSink(deps: EventSinkDeps): EventSink {
  const sink = createOutboxSink({
    js: deps.js,
    statements: { insertOutbox, deleteOutbox, claimStaleOutbox },
    db: deps.pool,
    transaction: (work) => withTransaction(deps.pool, work),
    clock: deps.clock,
    log: deps.log,
    actor: deps.actor,
    signer: deps.signer,
    ...(deps.sweepMs === undefined ? {} : { sweepMs: deps.sweepMs }),
  });
  return {
    ...sink,
    publishDirect: (event) => {
      const stamp = newEventStamp(deps.clock.nowMs());
      sink.background(
        deps.signer().then((signer) =>
          publishEvent(deps.js, signer, {
            ...stamp,
            type: event.type,
            actor: deps.actor,
            ...(event.subject === undefined ? {} : { subject: event.subject }),
            ...(event.cause === undefined ? {} : { cause: event.cause }),
            data: event.data,
          }),
        ),
      );
    },
  };
}
