import {
  DlqEntrySchema,
  fromBase64,
  fromUtf8,
  peerNamespaceAllowed,
  type DlqClass,
  type DlqEntry,
  type PeerScopes,
} from '@fedplane/core';
import { FedHeader, StreamName, syncDlqSubject, type Log } from '@fedplane/messaging';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { decideReceive } from '../core/receive-decision.js';
import { toVersion } from '../core/record-version.js';
import { isDataRefusal } from '../core/store-error.js';
import type { ApplyQueue } from './apply-queue.js';
import type { EmitEvent } from './event-emitter.js';
import type { OriginVerifier } from './origin-verifier.js';
import type { SyncMetrics } from './sync-metrics.js';

/**
 * DLQ replay (sync.md, DLQ), run by the node's gateway once a `sync_dlq_replay` approval is
 * granted: every entry of `fed.sync.dlq.<node>` (optionally one class) is re-verified with the
 * LIVE trust bundle, posture and scopes (the origin's signature headers were kept with the exact
 * bytes), re-decided exactly as the receive path does, and applied with the conflict rule.
 * Entries that apply are removed from `FED_SYNC_DLQ`; entries that still fail stay. Then
 * `sync.dlq_replayed` with the outcome, and the real depth in `fedplane_sync_dlq_depth`.
 * Read with an ordered consumer (nothing durable), at stream speed (batched applies).
 */

/** What a replay needs. */
export type DlqReplayDeps = {
  readonly nodeId: string;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly verifier: OriginVerifier;
  readonly requireSig: () => boolean;
  readonly scopes: PeerScopes;
  readonly queue: ApplyQueue;
  readonly emit: EmitEvent;
  readonly metrics: SyncMetrics;
  readonly nowMs: () => number;
  readonly log: Log;
};

/** The outcome of one replay (the `sync.dlq_replayed` counts). */
export type ReplayOutcome = {
  readonly replayed: number;
  readonly applied: number;
  readonly failed: number;
  readonly remaining: number;
};

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /no message found|not found/i.test(err.message);
}

/** The number of entries of `fed.sync.dlq.<node>` stored in `FED_SYNC_DLQ`. */
export async function dlqDepth(jsm: JetStreamManager, nodeId: string): Promise<number> {
  const subject = syncDlqSubject(nodeId);
  const info = await jsm.streams.info(StreamName.syncDlq, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

async function lastSeq(jsm: JetStreamManager, subject: string): Promise<number> {
  try {
    const last = await jsm.streams.getMessage(StreamName.syncDlq, { last_by_subj: subject });
    return last?.seq ?? 0;
  } catch (err) {
    if (isNotFound(err)) return 0;
    throw err;
  }
}

/** Every entry of the node's DLQ up to its last sequence now, with its DLQ stream sequence. */
async function readEntries(
  deps: DlqReplayDeps,
): Promise<{ seq: number; entry: DlqEntry | undefined }[]> {
  const subject = syncDlqSubject(deps.nodeId);
  const until = await lastSeq(deps.jsm, subject);
  const out: { seq: number; entry: DlqEntry | undefined }[] = [];
  if (until === 0) return out;
  const consumer = await deps.js.consumers.get(StreamName.syncDlq, { filter_subjects: subject });
  try {
    for (let seen = 0; seen < until;) {
      const batch = await consumer.fetch({ max_messages: 500, expires: 2_000 });
      let got = 0;
      for await (const msg of batch as AsyncIterable<JsMsg>) {
        got += 1;
        seen = msg.seq;
        const parsed = DlqEntrySchema.safeParse(safeJson(msg.data));
        out.push({ seq: msg.seq, entry: parsed.success ? parsed.data : undefined });
        if (seen >= until) break;
      }
      if (got === 0) break;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return out;
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(fromUtf8(data) ?? '') as unknown;
  } catch {
    return undefined;
  }
}

function originHeaders(entry: DlqEntry) {
  const h = natsHeaders();
  if (entry.signature !== undefined) h.set(FedHeader.Signature, entry.signature);
  if (entry.credential !== undefined) h.set(FedHeader.Credential, entry.credential);
  if (entry.chain !== undefined) h.set(FedHeader.CredentialChain, entry.chain);
  return h;
}

/** The version an entry applies as now, or undefined when it still cannot apply. */
function recheck(deps: DlqReplayDeps, entry: DlqEntry) {
  const body = fromBase64(entry.record);
  if (body === undefined) return undefined;
  const decision = decideReceive({
    self: deps.nodeId,
    origin: entry.origin,
    body,
    signature: deps.verifier.verify(originHeaders(entry), body, Math.floor(deps.nowMs() / 1000)),
    requireSig: deps.requireSig(),
    originMayWrite: (ns) =>
      !deps.scopes.has(entry.origin) || peerNamespaceAllowed(deps.scopes, entry.origin, ns),
  });
  if (decision.kind !== 'apply') return undefined;
  return toVersion(decision.validated, entry.origin, decision.bytes);
}

/** Replays the node's DLQ (see the module comment). Rejects when NATS or Postgres is down. */
export async function replayDlq(
  deps: DlqReplayDeps,
  input: { readonly pendingId?: string; readonly class?: DlqClass },
): Promise<ReplayOutcome> {
  const entries = (await readEntries(deps)).filter(
    (e) => input.class === undefined || e.entry?.class === input.class,
  );
  let applied = 0;
  for (const { seq, entry } of entries) {
    const version = entry === undefined ? undefined : recheck(deps, entry);
    if (version === undefined) continue;
    try {
      deps.metrics.applied.replay += (await deps.queue.apply([version])).size;
    } catch (err) {
      if (isDataRefusal(err)) continue;
      throw err;
    }
    await deps.jsm.streams.deleteMessage(StreamName.syncDlq, seq, false);
    applied += 1;
  }
  const remaining = await dlqDepth(deps.jsm, deps.nodeId);
  deps.metrics.dlqDepth = remaining;
  const outcome = {
    replayed: entries.length,
    applied,
    failed: entries.length - applied,
    remaining,
  };
  deps.log.info({ ...outcome, pending_id: input.pendingId, class: input.class }, 'dlq replayed');
  await deps.emit('sync.dlq_replayed', {
    ...(input.pendingId === undefined ? {} : { pending_id: input.pendingId }),
    ...(input.class === undefined ? {} : { class: input.class }),
    ...outcome,
  });
  return outcome;
}
