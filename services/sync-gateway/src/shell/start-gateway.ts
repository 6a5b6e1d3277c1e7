import type { DlqClass, PeerScopes, VerifierBundle } from '@fedplane/core';
import {
  ensureStreams,
  syncStreams,
  StreamName,
  type Bus,
  type CredentialSigner,
  type Log,
} from '@fedplane/messaging';
import type { Pool } from 'pg';
import { createForwarder } from '../adapters/forward-client.js';
import { migrateSync } from '../adapters/pg-migrate.js';
import { applyVersions } from '../adapters/pg-replica.js';
import { startAckCollector } from './ack-collector.js';
import { createApplyQueue } from './apply-queue.js';
import { dlqDepth, replayDlq, type ReplayOutcome } from './dlq-replay.js';
import { startDlqReplayWatch } from './dlq-replay-watch.js';
import { createDlqWriter } from './dlq-writer.js';
import { createSyncEngine } from './engine.js';
import { createEventEmitter } from './event-emitter.js';
import { joinStream } from './join-stream.js';
import { createOriginVerifier } from './origin-verifier.js';
import { startOutbox, type Outbox } from './outbox.js';
import type { SyncEngine } from './ports.js';
import { startReceiver, type Receiver } from './receiver.js';
import { createSyncMetrics, type SyncMetrics } from './sync-metrics.js';
import { createVerifyPool } from './verify-pool.js';

/**
 * Starts the engine of one gateway: streams and schema, joining the stream (catch-up), the ack
 * inbox, the receive loop and the write/read paths. The edge (HTTP + NATS endpoints) is wired
 * by `main.ts` over the returned {@link SyncEngine}.
 */

/** Tunables of the engine. */
export type GatewaySettings = {
  readonly quorumOverride: number | undefined;
  readonly quorumTimeoutMs: number;
  readonly batch: number;
  readonly streamMaxAgeMs?: number;
  /** Replicas of the streams ensured at start (`NATS_STREAM_REPLICAS`; default 1). */
  readonly streamReplicas?: number;
  /** The node's own daemon (`SYNC_FORWARD_URL`): records applied from the stream are forwarded. */
  readonly forwardUrl?: string | undefined;
  /** How often the outbox is re-published (default 5 s); rows younger than 2× the quorum timeout wait. */
  readonly outboxIntervalMs?: number;
};

/** Options of {@link startSyncGateway}. */
export type GatewayOptions = {
  readonly nodeId: string;
  readonly bus: Bus;
  readonly pool: Pool;
  readonly signer: CredentialSigner;
  readonly trust: () => VerifierBundle | undefined;
  readonly requireSig: () => boolean;
  readonly inventoryWidth: () => number | undefined;
  readonly snapshotPeers: () => readonly string[];
  readonly scopes: PeerScopes;
  readonly settings: GatewaySettings;
  readonly nowMs: () => number;
  readonly log: Log;
  readonly metrics?: SyncMetrics;
};

/** A running engine. */
export type SyncGateway = {
  readonly engine: SyncEngine;
  readonly metrics: SyncMetrics;
  readonly receiver: Receiver;
  readonly outbox: Outbox;
  /** Re-applies the node's DLQ entries now (what an approved `sync_dlq_replay` runs). */
  replayDlq(input: { pendingId?: string; class?: DlqClass }): Promise<ReplayOutcome>;
  /** Ok while the receive path is not paused on a dependency. */
  readiness(): { ok: true } | { ok: false; reason: string };
  stop(): Promise<void>;
};

/** Starts the engine (see the module comment). */
export async function startSyncGateway(options: GatewayOptions): Promise<SyncGateway> {
  const { bus, pool, log, nodeId, signer } = options;
  const metrics = options.metrics ?? createSyncMetrics();
  // Only the streams the gateways own: the others are the control plane's (a gateway needs no
  // right to create or even inspect them).
  await ensureStreams(
    bus.jsm,
    syncStreams({
      replicas: options.settings.streamReplicas ?? 1,
      ...(options.settings.streamMaxAgeMs === undefined
        ? {}
        : { syncMaxAgeMs: options.settings.streamMaxAgeMs }),
    }),
    { log },
  );
  await migrateSync(pool);
  const emit = createEventEmitter({ js: bus.js, signer, nowMs: options.nowMs, log });
  const queue = createApplyQueue((versions) => applyVersions(pool, nodeId, versions));
  const consumerName = await joinStream({
    nodeId,
    nc: bus.nc,
    jsm: bus.jsm,
    pool,
    signer,
    queue,
    peers: options.snapshotPeers(),
    emit,
    metrics,
    nowMs: options.nowMs,
    log,
  });
  const verifier = createOriginVerifier(options.trust);
  const nowS = (): number => Math.floor(options.nowMs() / 1000);
  const acks = startAckCollector({ nc: bus.nc, verifier, nowS, log });
  const outbox = startOutbox({
    nodeId,
    pool,
    js: bus.js,
    signer,
    intervalMs: options.settings.outboxIntervalMs ?? 5_000,
    graceMs: 2 * options.settings.quorumTimeoutMs,
    log,
  });
  const engine = createSyncEngine({
    nodeId,
    pool,
    js: bus.js,
    signer,
    acks,
    queue,
    outbox,
    quorum: {
      override: options.settings.quorumOverride,
      timeoutMs: options.settings.quorumTimeoutMs,
      inventoryWidth: options.inventoryWidth,
    },
    scopes: options.scopes,
    nowMs: options.nowMs,
    emit,
    metrics,
    log,
  });
  const consumer = await bus.js.consumers.get(StreamName.sync, consumerName);
  const verifyPool = createVerifyPool();
  const receiver = startReceiver({
    nodeId,
    nc: bus.nc,
    consumer,
    verifier,
    pool: verifyPool,
    signer,
    queue,
    dlq: createDlqWriter({ nodeId, js: bus.js, signer, emit, metrics, nowMs: options.nowMs }),
    scopes: options.scopes,
    requireSig: options.requireSig,
    quorumTimeoutMs: options.settings.quorumTimeoutMs,
    batch: options.settings.batch,
    forward:
      options.settings.forwardUrl === undefined
        ? undefined
        : createForwarder({ url: options.settings.forwardUrl, signer, nowMs: options.nowMs }),
    nowMs: options.nowMs,
    metrics,
    log,
  });
  const replayDeps = {
    nodeId,
    js: bus.js,
    jsm: bus.jsm,
    verifier,
    requireSig: options.requireSig,
    scopes: options.scopes,
    queue,
    emit,
    metrics,
    nowMs: options.nowMs,
    log,
  };
  metrics.dlqDepth = await dlqDepth(bus.jsm, nodeId);
  const replayWatch = await startDlqReplayWatch({
    nodeId,
    nc: bus.nc,
    js: bus.js,
    jsm: bus.jsm,
    trust: options.trust,
    replay: (input) => replayDlq(replayDeps, input),
    log,
  });
  return {
    engine,
    metrics,
    receiver,
    outbox,
    replayDlq: (input) => replayDlq(replayDeps, input),
    readiness: () =>
      receiver.healthy() ? { ok: true } : { ok: false, reason: 'receive paused: dependency down' },
    stop: async () => {
      await replayWatch.stop();
      await receiver.stop();
      await verifyPool.close();
      await outbox.stop();
      acks.close();
    },
  };
}
