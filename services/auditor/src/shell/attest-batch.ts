import { newAuditEventProblem, type NewAuditEvent } from '@fedplane/audit-store';
import type { VerifierBundle } from '@fedplane/core';
import { FedHeader, signedHeaderValues, type Log } from '@fedplane/messaging';
import type { MsgHdrs } from '@nats-io/nats-core';
import {
  planAttestation,
  settleAttestation,
  type AttestationInput,
  type AttestationMemo,
} from '../core/attestation-plan.js';
import { buildAuditRow, fallbackRow, type Rejection } from '../core/event-row.js';
import { verifySignature } from './signature-check.js';

/**
 * Attests a batch of stream messages and builds their rows: the pure plan per message, the
 * event signatures checked together on the thread pool, then core's row decision. The time an
 * event is judged at is when the stream stored it, so a backlog appended after an outage is
 * judged as of when it was sent (a credential that expired since is not held against it).
 */

/** A message of `FED_EVENTS` as delivered or read back by sequence. */
export type StreamMessage = {
  readonly seq: number;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs | undefined;
  /** When the stream stored it. */
  readonly time: Date;
};

/** A row ready to append, with what the loop needs afterwards. */
export type AttestedRow = {
  readonly row: NewAuditEvent;
  readonly rejection: Rejection | null;
  readonly receivedAtMs: number;
};

function msgIdOf(headers: MsgHdrs | undefined): string | undefined {
  return headers?.has(FedHeader.MsgId) === true ? headers.get(FedHeader.MsgId) : undefined;
}

/**
 * Attests every message against `bundle` and returns the rows in the same order. A row the
 * audit store could not hold is replaced by `fallbackRow` (logged), so one odd message never
 * blocks a batch. Never rejects.
 */
export async function attestBatch(
  messages: readonly StreamMessage[],
  bundle: VerifierBundle,
  deps: { readonly memo: AttestationMemo; readonly log: Log },
): Promise<AttestedRow[]> {
  const inputs = messages.map((msg): AttestationInput => {
    return {
      headers: signedHeaderValues(msg.headers),
      body: msg.data,
      bundle,
      nowS: Math.floor(msg.time.getTime() / 1000),
    };
  });
  const plans = inputs.map((input) => planAttestation(input, deps.memo));
  const checks = await Promise.all(
    plans.map((plan, i) =>
      plan.kind === 'check_signature'
        ? verifySignature(plan.publicKey, messages[i]?.data ?? new Uint8Array(), plan.signature)
        : Promise.resolve(false),
    ),
  );
  return messages.map((msg, i): AttestedRow => {
    const input = inputs[i];
    const plan = plans[i];
    if (input === undefined || plan === undefined)
      throw new Error('attestBatch: index out of range');
    const attested = settleAttestation(plan, input, checks[i] === true);
    const receivedAt = msg.time.toISOString();
    const built = buildAuditRow(
      { streamSeq: msg.seq, body: msg.data, msgId: msgIdOf(msg.headers), receivedAt },
      attested,
    );
    let row = built.row;
    const problem = newAuditEventProblem(row);
    if (problem !== null) {
      deps.log.warn(
        { stream_seq: msg.seq, field: problem.field, problem: problem.problem },
        'event stored with placeholders',
      );
      row = fallbackRow(row, receivedAt);
    }
    return { row, rejection: built.rejection, receivedAtMs: msg.time.getTime() };
  });
}
