import { publishEvent, type CredentialSigner, type Log } from '@fedplane/messaging';
import type { Clock } from '@fedplane/runtime';
import type { JetStreamClient } from '@nats-io/jetstream';
import { rejectionAlert, type RejectionAlert } from '../core/rejection-alert.js';
import type { AttestedRow } from './attest-batch.js';

/**
 * Raises `audit.rejected_event` for the rows of a committed batch recorded `unsigned` or
 * `invalid_signature`, signed with the auditor's own credential. The evidence is already in the
 * chain, so an alert that cannot be published (no valid credential yet, NATS down) does not hold
 * up ingestion: it is kept (bounded) and retried with the next batch. Alert ids are derived from
 * the rows, so a retry or a redelivery never raises two.
 */

/** Alerts kept for retry at most. */
const MAX_PENDING_ALERTS = 1_000;

/** Dependencies of the alert publisher. */
export type AlertDeps = {
  readonly js: JetStreamClient;
  readonly signer: CredentialSigner;
  readonly clock: Clock;
  readonly log: Log;
};

/** A publisher with its retry queue. */
export type RejectionAlerts = {
  /** Publishes the alerts of a committed batch (and retries earlier failures). Never rejects. */
  raise(rows: readonly AttestedRow[], seqs: ReadonlyMap<string, number>): Promise<void>;
  /** Alerts waiting for a retry. */
  pending(): number;
  /** Alerts published since start. */
  published(): number;
};

/** Creates the publisher. */
export function createRejectionAlerts(deps: AlertDeps): RejectionAlerts {
  let queue: RejectionAlert[] = [];
  let published = 0;

  const publish = async (alert: RejectionAlert): Promise<boolean> => {
    try {
      await publishEvent(deps.js, deps.signer, alert, { timeoutMs: 5_000 });
      published += 1;
      return true;
    } catch (err) {
      deps.log.warn(
        { err, event_id: alert.data.event_id, alert_id: alert.id },
        'rejected event alert not published',
      );
      return false;
    }
  };

  return {
    raise: async (rows, seqs) => {
      const fresh: RejectionAlert[] = [];
      for (const { row, rejection, receivedAtMs } of rows) {
        if (rejection === null) continue;
        if (!rejection.alert) {
          deps.log.error(
            { event_id: row.event_id, stream_seq: row.stream_seq, reason: rejection.reason },
            'rejected alert event recorded without a new alert',
          );
          continue;
        }
        fresh.push(
          rejectionAlert({
            row,
            rejection,
            seq: seqs.get(row.event_id) ?? null,
            auditorId: deps.signer.agentId,
            receivedAtMs,
            nowMs: deps.clock.nowMs(),
          }),
        );
      }
      const todo = [...queue, ...fresh];
      if (todo.length === 0) return;
      const results = await Promise.all(todo.map(publish));
      const failed = todo.filter((_, i) => results[i] !== true);
      if (failed.length > MAX_PENDING_ALERTS) {
        deps.log.error(
          { dropped: failed.length - MAX_PENDING_ALERTS },
          'rejected event alerts dropped from the retry queue',
        );
      }
      queue = failed.slice(-MAX_PENDING_ALERTS);
    },
    pending: () => queue.length,
    published: () => published,
  };
}
