import {
  AppError,
  ErrorCode,
  peerNamespaceAllowed,
  type PeerScopes,
  type QuorumReport,
  type SinceQuery,
  type SinceResponse,
  type SyncPushBody,
  type SyncPushReport,
} from '@fedplane/core';
import {
  FedHeader,
  publishSigned,
  syncRecordSubject,
  type CredentialSigner,
  type Log,
} from '@fedplane/messaging';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Pool } from 'pg';
import { readPage } from '../adapters/pg-replica.js';
import { isDataRefusal } from '../core/store-error.js';
import { buildSincePage, startPosition, type PageAccess } from '../core/keyset.js';
import { quorumMissReason, quorumStatus, quorumWidth, type QuorumStatus } from '../core/quorum.js';
import { recordMsgId } from '../core/record-version.js';
import type { AckCollector } from './ack-collector.js';
import { versionKey, type ApplyQueue } from './apply-queue.js';
import type { EmitEvent } from './event-emitter.js';
import type { Outbox } from './outbox.js';
import type { PushOutcome, SyncEngine, SyncSender } from './ports.js';
import { versionsOf } from './push-versions.js';
import { observeQuorumLatency, type SyncMetrics } from './sync-metrics.js';

/**
 * The write and read paths of the engine (sync.md, Write path steps 2–5, Read path): validate,
 * apply locally (group commit), publish every record to `fed.sync.rec.<node>` signed by the node
 * with `Nats-Msg-Id = <node>:<id>:<content_hash>` and `Fed-Ack-Inbox`, then wait for quorum
 * until ONE deadline computed at the start. Publishes are pipelined (all in flight together) and
 * never aborted. Quorum missed → 202 body, committed locally and durable in the stream.
 */

/** What the engine needs. */
export type EngineDeps = {
  readonly nodeId: string;
  readonly pool: Pool;
  readonly js: JetStreamClient;
  readonly signer: CredentialSigner;
  readonly acks: AckCollector;
  readonly queue: ApplyQueue;
  /** Takes published versions out of the outbox; re-publishes what a failed publish left. */
  readonly outbox: Outbox;
  readonly quorum: {
    readonly override: number | undefined;
    readonly timeoutMs: number;
    /** `quorum.width` of the live inventory, when held. */
    readonly inventoryWidth: () => number | undefined;
  };
  readonly scopes: PeerScopes;
  readonly nowMs: () => number;
  readonly emit: EmitEvent;
  readonly metrics: SyncMetrics;
  readonly log: Log;
};

const ZERO_COUNTS = {
  archived: 0,
  restored: 0,
  links_applied: 0,
  pendings_applied: 0,
  pending_decisions_applied: 0,
  namespace_meta_applied: 0,
  namespace_meta_cleared: 0,
  skipped: 0,
  quota_refused: 0,
} as const;

function report(
  deps: EngineDeps,
  body: SyncPushBody,
  counts: { applied: number; deleted: number; noop: number; ids: readonly string[] },
  quorum?: QuorumReport,
): SyncPushReport {
  return {
    applied: counts.applied,
    deleted: counts.deleted,
    ...ZERO_COUNTS,
    noop: counts.noop,
    dry_run: body.dry_run,
    receiver_agent_id: deps.nodeId,
    receiver_clock: {},
    storage_backend: 'postgres',
    ids: [...counts.ids],
    ...(quorum === undefined ? {} : { quorum }),
  };
}

async function waitForQuorum(
  deps: EngineDeps,
  msgIds: readonly string[],
  deadlineMs: number,
  tracking: ReturnType<AckCollector['track']>,
): Promise<QuorumStatus> {
  const needed = quorumWidth({
    override: deps.quorum.override,
    inventoryWidth: deps.quorum.inventoryWidth(),
  });
  for (;;) {
    const status = quorumStatus({ needed, localNode: deps.nodeId, msgIds, acks: tracking.acks });
    const left = deadlineMs - deps.nowMs();
    if (status.met || left <= 0) return status;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      tracking.changed(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, left);
      }),
    ]);
    clearTimeout(timer);
  }
}

async function push(
  deps: EngineDeps,
  body: SyncPushBody,
  sender: SyncSender,
): Promise<PushOutcome> {
  const startMs = deps.nowMs();
  const deadlineMs = startMs + deps.quorum.timeoutMs;
  const parsed = await versionsOf(
    { pool: deps.pool, nodeId: deps.nodeId, nowMs: deps.nowMs },
    body,
  );
  if (!parsed.ok) return { kind: 'invalid', issues: parsed.issues };
  const versions = parsed.versions;
  const ids = versions.map((v) => v.id);
  if (body.dry_run) {
    return {
      kind: 'quorum_met',
      report: report(deps, body, { applied: 0, deleted: 0, noop: versions.length, ids }),
    };
  }
  let written: Set<string>;
  try {
    written = await deps.queue.apply(versions);
  } catch (err) {
    // Postgres refused the data (nothing was written: one statement): a bad request, not an outage.
    if (!isDataRefusal(err)) throw err;
    const message = err instanceof Error ? err.message : 'refused';
    return {
      kind: 'invalid',
      issues: [{ path: 'memories', message: `refused by the store: ${message}` }],
    };
  }
  let applied = 0;
  let deleted = 0;
  for (const version of versions) {
    if (!written.has(versionKey(version))) continue;
    if (version.deleted) deleted += 1;
    else applied += 1;
  }
  deps.metrics.applied.local += applied + deleted;
  const counts = { applied, deleted, noop: versions.length - applied - deleted, ids };
  const msgIds = versions.map(recordMsgId);
  const tracking = deps.acks.track(msgIds);
  try {
    const subject = syncRecordSubject(deps.nodeId);
    const pubAcks = await Promise.all(
      versions.map((version, index) =>
        publishSigned(deps.js, {
          subject,
          body: version.bytes,
          signer: deps.signer,
          msgId: msgIds[index] ?? recordMsgId(version),
          extraHeaders: { [FedHeader.AckInbox]: deps.acks.inbox },
        }),
      ),
    ).catch((err: unknown) => {
      // Committed locally: the outbox loop re-publishes these rows once the stream is back.
      throw new AppError(ErrorCode.UNAVAILABLE, 'records committed locally but not published', {
        cause: err,
        details: { reason: 'stream_unavailable' },
      });
    });
    deps.outbox.published(
      versions.map((version, index) => ({
        id: version.id,
        contentHash: version.contentHash,
        seq: pubAcks[index]?.seq ?? 0,
      })),
    );
    const status = await waitForQuorum(deps, msgIds, deadlineMs, tracking);
    observeQuorumLatency(deps.metrics, (deps.nowMs() - startMs) / 1000);
    const quorum = { needed: status.needed, got: status.got, acked_by: [...status.ackedBy] };
    if (status.met) return { kind: 'quorum_met', report: report(deps, body, counts, quorum) };
    deps.metrics.partialQuorum += 1;
    const reason = quorumMissReason(status);
    deps.log.warn(
      { peer: sender.peerId, needed: status.needed, got: status.got, reason },
      'quorum not met',
    );
    void deps.emit('sync.quorum_missed', {
      needed: status.needed,
      got: status.got,
      acked_by: quorum.acked_by.slice(0, 100),
      reason,
      record_count: versions.length,
      record_ids: ids.slice(0, 100),
      timeout_ms: deps.quorum.timeoutMs,
    });
    return {
      kind: 'quorum_not_met',
      body: { error: 'quorum_not_met', needed: status.needed, got: status.got, reason },
    };
  } finally {
    tracking.done();
  }
}

function accessFor(deps: EngineDeps, sender: SyncSender | undefined): PageAccess {
  if (sender === undefined || !deps.scopes.has(sender.peerId)) return { kind: 'denied' };
  const peer = sender.peerId;
  return {
    kind: 'scoped',
    caller: peer,
    allowed: (namespace) => peerNamespaceAllowed(deps.scopes, peer, namespace),
  };
}

async function since(
  deps: EngineDeps,
  query: SinceQuery,
  sender: SyncSender | undefined,
): Promise<SinceResponse> {
  const position = startPosition(query);
  if (position === undefined) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'invalid cursor or since', {
      details: {
        issues: [{ path: query.cursor === undefined ? 'since' : 'cursor', message: 'invalid' }],
      },
    });
  }
  const rows = await readPage(deps.pool, deps.nodeId, position, query.limit);
  return buildSincePage({
    rows,
    limit: query.limit,
    since: query.since,
    access: accessFor(deps, sender),
  });
}

/** The engine over its dependencies. */
export function createSyncEngine(deps: EngineDeps): SyncEngine {
  return {
    push: (body, sender) => push(deps, body, sender),
    since: (query, sender) => since(deps, query, sender),
  };
}
