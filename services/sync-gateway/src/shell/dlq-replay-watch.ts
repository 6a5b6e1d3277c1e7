import {
  ACTION_TYPES,
  ApprovalDecidedDataSchema,
  ApprovalGetReplySchema,
  DlqReplayPayloadSchema,
  durableName,
  type VerifierBundle,
} from '@fedplane/core';
import {
  FixedSubject,
  StreamName,
  eventSubject,
  request,
  verifyEventMessage,
  type Log,
} from '@fedplane/messaging';
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ReplayOutcome } from './dlq-replay.js';
import type { DlqClass } from '@fedplane/core';

/**
 * Waits for granted DLQ replays (sync.md, DLQ; approvals.md): a durable JetStream consumer of
 * this gateway on `fed.evt.approval.decided.>` (so a decision taken while the gateway was down is
 * still seen). A decision counts only when it verifies and is signed by an approvals instance
 * (`svc/approvals/*`), approves a `sync_dlq_replay`, and the pending action (read back with
 * `fed.approvals.get`, the event carries no payload) names THIS node. Then the replay runs and the
 * decision is acked; a dependency down → redelivered later (nak with delay).
 */

const APPROVALS_PREFIX = 'svc/approvals/';
const RETRY_DELAY_MS = 5_000;

/** Options of {@link startDlqReplayWatch}. */
export type DlqReplayWatchOptions = {
  readonly nodeId: string;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly trust: () => VerifierBundle | undefined;
  readonly replay: (input: { pendingId: string; class?: DlqClass }) => Promise<ReplayOutcome>;
  readonly log: Log;
};

/** A running watch. */
export type DlqReplayWatch = { stop(): Promise<void> };

type Granted = { pendingId: string; class?: DlqClass } | undefined;

async function grantedReplay(options: DlqReplayWatchOptions, msg: JsMsg): Promise<Granted> {
  const bundle = options.trust();
  if (bundle === undefined) throw new Error('no trust bundle yet');
  const { event, attestation } = verifyEventMessage({
    headers: msg.headers,
    body: msg.data,
    bundle,
    nowS: Math.floor(msg.info.timestampNanos / 1e9),
  });
  const data = event.ok ? ApprovalDecidedDataSchema.safeParse(event.value.data) : undefined;
  if (data?.success !== true || data.data.action_type !== ACTION_TYPES.sync_dlq_replay) {
    return undefined;
  }
  const signer = attestation.attest_level === 'credential_signed' ? attestation.signer : undefined;
  if (signer?.startsWith(APPROVALS_PREFIX) !== true) {
    options.log.warn(
      { pending_id: data.data.pending_id, attest_level: attestation.attest_level },
      'approval decision not trusted, ignored',
    );
    return undefined;
  }
  if (data.data.decision !== 'approve') return undefined;
  const pending = await request(
    options.nc,
    FixedSubject.approvalsGet,
    { pending_id: data.data.pending_id },
    { schema: ApprovalGetReplySchema, timeoutMs: 10_000 },
  );
  const payload = DlqReplayPayloadSchema.safeParse(pending.payload);
  if (!payload.success || payload.data.node_id !== options.nodeId) return undefined;
  return {
    pendingId: data.data.pending_id,
    ...(payload.data.class === undefined ? {} : { class: payload.data.class }),
  };
}

/** Starts the watch (the consumer is created on first start, delivering new decisions). */
export async function startDlqReplayWatch(options: DlqReplayWatchOptions): Promise<DlqReplayWatch> {
  const name = durableName('sync-replay', options.nodeId);
  await options.jsm.consumers.info(StreamName.events, name).catch(() =>
    options.jsm.consumers.add(StreamName.events, {
      durable_name: name,
      filter_subject: `${eventSubject('approval.decided')}.>`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      ack_wait: 300_000_000_000,
      max_ack_pending: 16,
    }),
  );
  const consumer = await options.js.consumers.get(StreamName.events, name);
  const messages = await consumer.consume({ max_messages: 16 });
  const loop = (async () => {
    for await (const msg of messages) {
      try {
        const granted = await grantedReplay(options, msg);
        if (granted !== undefined) await options.replay(granted);
        msg.ack();
      } catch (err) {
        options.log.warn({ err }, 'dlq replay failed, will retry');
        msg.nak(RETRY_DELAY_MS);
      }
    }
  })();
  return {
    stop: async () => {
      await messages.close();
      await loop.catch(() => undefined);
    },
  };
}
