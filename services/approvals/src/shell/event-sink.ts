import type { CredentialSigner } from '@fedplane/messaging';
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
 * The approvals service's events (approvals.md "Events"), through the runtime outbox sink over
 * `approvals_outbox`, signed as this instance (`svc/approvals/<instance>`, every event's actor).
 */

/** One event as the use cases describe it. */
export type ApprovalEvent = SinkEvent;

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
export type EventSink = OutboxSink;

/** Creates the event sink. */
export function createEventSink(deps: EventSinkDeps): EventSink {
  return createOutboxSink({
    js: deps.js,
    statements: { insertOutbox, deleteOutbox, claimStaleOutbox },
    db: deps.pool,
    transaction: (work) => withTransaction(deps.pool, work),
    clock: deps.clock,
    log: deps.log,
    actor: deps.signer.agentId,
    signer: () => deps.signer,
    ...(deps.sweepMs === undefined ? {} : { sweepMs: deps.sweepMs }),
  });
}
