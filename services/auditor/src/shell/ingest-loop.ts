import { appendEvents, type AuditHead, type Connectable } from '@fedplane/audit-store';
import type { VerifierBundle } from '@fedplane/core';
import {
  AUDITOR_CONSUMER,
  StreamName,
  auditorConsumer,
  ensureConsumer,
  type Log,
} from '@fedplane/messaging';
import { sleep, type Clock } from '@fedplane/runtime';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { createAttestationMemo, type AttestationMemo } from '../core/attestation-plan.js';
import { planDeliveries } from '../core/delivery-plan.js';
import { batchAction, type AppendOutcome } from '../core/ingest-policy.js';
import { attestBatch, type AttestedRow, type StreamMessage } from './attest-batch.js';
import { createBatchReader } from './batch-reader.js';
import type { RejectionAlerts } from './rejection-alerts.js';
import { readStreamRange } from './stream-fill.js';

/**
 * The ingest loop of the lease holder (audit.md, "The auditor service"): pull from the durable
 * `auditor` consumer in batches, attest every event, append the whole batch in one transaction in
 * stream order, raise `audit.rejected_event` for unsigned and forged rows, and only then ack.
 * Postgres down: nothing is acked, the batch is retried with backoff, the messages wait in the
 * stream. Lease lost (the signal aborts): pulling stops at once and an un-committed batch is left
 * un-acked for the next holder.
 */

/** Counters and state the service reports (readiness, metrics, tests). */
export type IngestStatus = {
  /** Rows appended by this process. */
  appended: number;
  /** Delivered messages acked by this process. */
  acked: number;
  /** Consecutive failed appends (0 after a commit). */
  appendFailures: number;
  /** Unix ms of the last commit, or null. */
  lastCommitAtMs: number | null;
  /**
   * The chain's head after this session's last commit (appends chain from it optimistically,
   * see audit-store `AppendOptions`); unset at the start of a session and after a failure.
   */
  knownHead?: AuditHead | undefined;
};

/** Dependencies of {@link runIngestLoop}. */
export type IngestDeps = {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly pool: Connectable;
  readonly trust: { current(): VerifierBundle | undefined };
  readonly alerts: RejectionAlerts;
  readonly clock: Clock;
  readonly log: Log;
  /** Randomness in [0, 1) for backoff jitter. */
  readonly random: () => number;
  /** `AUDITOR_BATCH`. */
  readonly batch: number;
  /** `AUDITOR_BATCH_WAIT_MS`. */
  readonly batchWaitMs: number;
  readonly status: IngestStatus;
};

const BUNDLE_POLL_MS = 100;
const WORKING_EVERY_MS = 10_000;

async function waitForBundle(
  deps: IngestDeps,
  signal: AbortSignal,
): Promise<VerifierBundle | undefined> {
  let logged = false;
  for (;;) {
    const bundle = deps.trust.current();
    if (bundle !== undefined || signal.aborted) return bundle;
    if (!logged) deps.log.warn({}, 'waiting for the trust bundle before ingesting');
    logged = true;
    await sleep(BUNDLE_POLL_MS, signal);
  }
}

/** The messages of one batch in append order: gaps read back from the stream, then each delivery. */
async function orderBatch(
  deps: IngestDeps,
  delivered: readonly JsMsg[],
  expected: number,
): Promise<{ readonly messages: StreamMessage[]; readonly expected: number }> {
  const plan = planDeliveries(
    expected,
    delivered.map((m) => m.seq),
  );
  const messages: StreamMessage[] = [];
  for (const step of plan.steps) {
    if (step.kind === 'fill') {
      const filled = await readStreamRange(deps.jsm, step);
      if (filled.length > 0) {
        deps.log.info(
          { from: step.from, to: step.to, read: filled.length },
          'undelivered events read back from the stream',
        );
      }
      messages.push(...filled);
    } else {
      const msg = delivered[step.index];
      if (msg !== undefined) {
        messages.push({ seq: msg.seq, data: msg.data, headers: msg.headers, time: msg.time });
      }
    }
  }
  return { messages, expected: plan.expected };
}

/** Appends the rows (in chunks of `batch`, in order); retries until committed or the signal aborts. */
async function appendUntilCommitted(
  deps: IngestDeps,
  rows: readonly AttestedRow[],
  delivered: readonly JsMsg[],
  signal: AbortSignal,
): Promise<{ readonly outcome: AppendOutcome; readonly seqs: Map<string, number> }> {
  let failures = 0;
  let lastWorkingMs = deps.clock.nowMs();
  for (;;) {
    if (signal.aborted) return { outcome: { kind: 'lease_lost' }, seqs: new Map() };
    const seqs = new Map<string, number>();
    let outcome: AppendOutcome;
    try {
      for (let i = 0; i < rows.length; i += deps.batch) {
        const chunk = rows.slice(i, i + deps.batch).map((r) => r.row);
        const result = await appendEvents(deps.pool, chunk, { head: deps.status.knownHead });
        deps.status.knownHead = result.head;
        for (const appended of result.appended) seqs.set(appended.event_id, appended.seq);
        deps.status.appended += result.appended.length;
      }
      outcome = { kind: 'committed' };
      deps.status.appendFailures = 0;
      deps.status.lastCommitAtMs = deps.clock.nowMs();
    } catch (err) {
      deps.status.knownHead = undefined;
      failures += 1;
      deps.status.appendFailures = failures;
      deps.log.warn({ err, failures, rows: rows.length }, 'audit append failed');
      outcome = { kind: 'failed', failures };
    }
    const action = batchAction(outcome, deps.random());
    switch (action.kind) {
      case 'ack_all':
        return { outcome, seqs };
      case 'abandon':
        return { outcome, seqs: new Map() };
      case 'retry':
        if (deps.clock.nowMs() - lastWorkingMs >= WORKING_EVERY_MS) {
          // Still ours: ask the server not to redeliver the held batch while we retry.
          for (const msg of delivered) msg.working();
          lastWorkingMs = deps.clock.nowMs();
        }
        await sleep(action.delayMs, signal);
        break;
    }
  }
}

/**
 * Appends a batch (retrying until committed), raises its alerts, then acks its deliveries.
 * False when the lease was lost first (nothing acked).
 */
async function commitBatch(
  deps: IngestDeps,
  rows: readonly AttestedRow[],
  delivered: readonly JsMsg[],
  signal: AbortSignal,
): Promise<boolean> {
  const { outcome, seqs } = await appendUntilCommitted(deps, rows, delivered, signal);
  if (outcome.kind !== 'committed') {
    deps.log.info({ held: delivered.length }, 'ingest stopped with an uncommitted batch');
    return false;
  }
  await deps.alerts.raise(rows, seqs);
  for (const msg of delivered) msg.ack();
  deps.status.acked += delivered.length;
  return true;
}

/**
 * Appends stream sequences `range` read back from the stream, in chunks, without acking (their
 * redeliveries are skipped and acked later). False when the signal aborted first.
 */
async function recoverBacklog(
  deps: IngestDeps,
  range: { readonly from: number; readonly to: number },
  memo: AttestationMemo,
  signal: AbortSignal,
): Promise<boolean> {
  deps.log.info({ from: range.from, to: range.to }, 'unacked events read back from the stream');
  for (let from = range.from; from <= range.to; from += deps.batch) {
    const to = Math.min(range.to, from + deps.batch - 1);
    const messages = await readStreamRange(deps.jsm, { from, to });
    const bundle = deps.trust.current();
    if (bundle === undefined) throw new Error('trust bundle disappeared');
    const rows = await attestBatch(messages, bundle, { memo, log: deps.log });
    if (!(await commitBatch(deps, rows, [], signal))) return false;
  }
  return true;
}

/**
 * Runs until `signal` aborts (lease lost or shutdown); rejects when the consumer cannot be read
 * (the caller restarts the session). Acks only after the batch's rows are committed.
 */
export async function runIngestLoop(deps: IngestDeps, signal: AbortSignal): Promise<void> {
  const { log } = deps;
  deps.status.knownHead = undefined;
  if ((await waitForBundle(deps, signal)) === undefined) return;
  // Idempotent; re-creates the consumer if someone deleted it since start.
  await ensureConsumer(deps.jsm, auditorConsumer(), { log });
  const consumer = await deps.js.consumers.get(StreamName.events, AUDITOR_CONSUMER);
  const info = await consumer.info();
  let expected = info.ack_floor.stream_seq + 1;
  const memo = createAttestationMemo();
  // Delivered before this session but never acked (a crash, a handover): append them first.
  const backlogEnd = info.delivered.stream_seq;
  if (backlogEnd >= expected) {
    if (!(await recoverBacklog(deps, { from: expected, to: backlogEnd }, memo, signal))) return;
    expected = backlogEnd + 1;
  }
  const messages = await consumer.consume({ max_messages: Math.max(deps.batch * 2, 256) });
  const stop = (): void => {
    void messages.close();
  };
  signal.addEventListener('abort', stop, { once: true });
  const reader = createBatchReader<JsMsg>(messages, deps.clock);
  log.info({ expected_stream_seq: expected }, 'ingest started');
  try {
    // One batch is attested while the previous one is appended: appends stay strictly in order
    // (each waits for the one before), acks still follow their own commit.
    let committing: Promise<boolean> = Promise.resolve(true);
    try {
      for (;;) {
        const delivered = await reader.next({ max: deps.batch, waitMs: deps.batchWaitMs, signal });
        if (delivered.length === 0) {
          if (signal.aborted) return;
          // The consumer stopped delivering (deleted, stream gone): restart the session.
          if (reader.ended) throw new Error('event consumer ended');
          continue;
        }
        const ordered = await orderBatch(deps, delivered, expected);
        expected = ordered.expected;
        const bundle = deps.trust.current();
        if (bundle === undefined) throw new Error('trust bundle disappeared');
        const rows = await attestBatch(ordered.messages, bundle, { memo, log });
        if (!(await committing)) return;
        committing = commitBatch(deps, rows, delivered, signal);
      }
    } finally {
      await committing.catch(() => undefined);
    }
  } finally {
    signal.removeEventListener('abort', stop);
    await messages.close();
    log.info({ expected_stream_seq: expected }, 'ingest stopped');
  }
}
