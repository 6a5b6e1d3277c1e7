import { newEventStamp, publishEvent, type CredentialSigner, type Log } from '@fedplane/messaging';
import type { JetStreamClient } from '@nats-io/jetstream';

/**
 * The gateway's domain events (sync.md, Events): signed by the node (the actor is the node id,
 * the subject too), published on `fed.evt.sync.<name>.<node>`. Fire-and-forget for the caller: a
 * failure is logged once here and never fails the operation that caused it.
 */

/** The event types the gateway emits. */
export type SyncEventType =
  'sync.quorum_missed' | 'sync.dlq_added' | 'sync.dlq_replayed' | 'sync.snapshot_completed';

/** Emits one event. */
export type EmitEvent = (
  type: SyncEventType,
  data: Readonly<Record<string, unknown>>,
  cause?: string,
) => Promise<void>;

/** An emitter publishing through `js` signed by `signer`. */
export function createEventEmitter(options: {
  readonly js: JetStreamClient;
  readonly signer: CredentialSigner;
  readonly nowMs: () => number;
  readonly log: Log;
}): EmitEvent {
  const { js, signer, log } = options;
  return async (type, data, cause) => {
    try {
      await publishEvent(js, signer, {
        ...newEventStamp(options.nowMs()),
        type,
        actor: signer.agentId,
        subject: signer.agentId,
        ...(cause === undefined ? {} : { cause }),
        data,
      });
    } catch (err) {
      log.warn({ err, type }, 'sync event not published');
    }
  };
}
