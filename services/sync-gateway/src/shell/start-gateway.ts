import type { PeerScopes, VerifierBundle } from '@fedplane/core';
import {
  ensureStreams,
  fedStreams,
  StreamName,
  type Bus,
  type CredentialSigner,
  type Log,
} from '@fedplane/messaging';
import type { Pool } from 'pg';
import { migrateSync } from '../adapters/pg-migrate.js';
import { applyVersions } from '../adapters/pg-replica.js';
import { startAckCollector } from './ack-collector.js';
import { createApplyQueue } from './apply-queue.js';
import { createDlqWriter } from './dlq-writer.js';
import { createSyncEngine } from './engine.js';
import { createEventEmitter } from './event-emitter.js';
import { joinStream } from './join-stream.js';
import { createOriginVerifier } from './origin-verifier.js';
import type { SyncEngine } from './ports.js';
import { startReceiver, type Receiver } from './receiver.js';
import { createSyncMetrics, type SyncMetrics } from './sync-metrics.js';

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
  /** Ok while the receive path is not paused on a dependency. */
  readiness(): { ok: true } | { ok: false; reason: string };
  stop(): Promise<void>;
};

/** Starts the engine (see the module comment). */
export async function startSyncGateway(options: GatewayOptions): Promise<SyncGateway> {
  const { bus, pool, log, nodeId, signer } = options;
  const metrics = options.metrics ?? createSyncMetrics();
  await ensureStreams(
    bus.jsm,
    fedStreams(
      options.settings.streamMaxAgeMs === undefined
        ? {}
        : { syncMaxAgeMs: options.settings.streamMaxAgeMs },
    ),
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
  const engine = createSyncEngine({
    nodeId,
    pool,
    js: bus.js,
    signer,
    acks,
    queue,
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
  const receiver = startReceiver({
    nodeId,
    nc: bus.nc,
    consumer,
    verifier,
    signer,
    queue,
    dlq: createDlqWriter({ nodeId, js: bus.js, signer, emit, metrics, nowMs: options.nowMs }),
    scopes: options.scopes,
    requireSig: options.requireSig,
    quorumTimeoutMs: options.settings.quorumTimeoutMs,
    batch: options.settings.batch,
    nowMs: options.nowMs,
    metrics,
    log,
  });
  return {
    engine,
    metrics,
    receiver,
    readiness: () =>
      receiver.healthy() ? { ok: true } : { ok: false, reason: 'receive paused: dependency down' },
    stop: async () => {
      await receiver.stop();
      acks.close();
    },
  };
}
