import { AppError, ErrorCode } from '@fedplane/core';
import {
  newEventStamp,
  nodeStatusSubject,
  publishEvent,
  publishSigned,
  type CredentialSigner,
  type Log,
} from '@fedplane/messaging';
import { sleep, type Clock } from '@fedplane/runtime';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { AgentEvent, AgentPublisher } from '../shell/ports.js';

/**
 * The agents' publisher on JetStream: events on `fed.evt.credential.<name>.<node>` (stream
 * `FED_EVENTS`) and the status on `fed.status.node.<node>` (stream `FED_STATUS`), signed with the
 * agent's credential. Events are sent in the background with a few retries under the same
 * `Nats-Msg-Id` (the stream's duplicate window stores a retried event once); renewal never waits
 * for them. `flush()` waits for what is in flight (at stop).
 */

/** Options of {@link createNatsPublisher}. */
export type NatsPublisherOptions = {
  readonly js: JetStreamClient;
  readonly clock: Clock;
  readonly log: Log;
  /** Attempts per event (default 5). */
  readonly attempts?: number;
  /** First retry delay, doubled per attempt (default 250 ms). */
  readonly retryMs?: number;
  /** Publish ack timeout (default 5 000 ms). */
  readonly timeoutMs?: number;
};

/** The publisher, with a flush for shutdown. */
export type NatsPublisher = AgentPublisher & {
  /** Waits until every queued event was published or given up. */
  flush(): Promise<void>;
  /** Events given up after every attempt failed. */
  dropped(): number;
};

/** Creates the publisher. */
export function createNatsPublisher(options: NatsPublisherOptions): NatsPublisher {
  const { js, log, clock } = options;
  const attempts = options.attempts ?? 5;
  const retryMs = options.retryMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const inFlight = new Set<Promise<void>>();
  let dropped = 0;

  const send = async (signer: CredentialSigner, event: AgentEvent): Promise<void> => {
    const stamp = newEventStamp(clock.nowMs());
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        await publishEvent(
          js,
          signer,
          {
            ...stamp,
            type: event.type,
            actor: signer.agentId,
            subject: signer.agentId,
            data: event.data,
            ...(event.cause === undefined ? {} : { cause: event.cause }),
          },
          { timeoutMs },
        );
        return;
      } catch (err) {
        const hopeless =
          err instanceof AppError &&
          (err.code === ErrorCode.BAD_REQUEST || err.code === ErrorCode.TOO_LARGE);
        if (hopeless || attempt === attempts) {
          dropped += 1;
          log.error({ err, type: event.type, event_id: stamp.id }, 'event publish failed');
          return;
        }
        await sleep(retryMs * 2 ** (attempt - 1));
      }
    }
  };

  return {
    event: (signer, event) => {
      const running = send(signer, event);
      inFlight.add(running);
      void running.finally(() => inFlight.delete(running));
    },
    status: async (signer, body) => {
      await publishSigned(js, {
        subject: nodeStatusSubject(signer.agentId),
        body,
        signer,
        msgId: newEventStamp(clock.nowMs()).id,
        timeoutMs,
      });
    },
    flush: async () => {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    dropped: () => dropped,
  };
}
