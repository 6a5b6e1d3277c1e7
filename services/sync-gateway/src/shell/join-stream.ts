import { AppError, ErrorCode, durableName } from '@fedplane/core';
import {
  StreamName,
  ensureConsumer,
  syncConsumer,
  toConsumerConfig,
  type CredentialSigner,
  type Log,
} from '@fedplane/messaging';
import { DeliverPolicy, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Pool } from 'pg';
import { planCatchUp, snapshotStartSeq } from '../core/catch-up-plan.js';
import type { ApplyQueue } from './apply-queue.js';
import type { EmitEvent } from './event-emitter.js';
import { copyPeerReplica } from './snapshot.js';
import type { SyncMetrics } from './sync-metrics.js';

/**
 * Makes sure this gateway's durable consumer exists and starts where it must (core
 * `planCatchUp`): resume from the ack floor, consume everything, or copy a peer's replica and
 * create the consumer at the snapshot's stream sequence (`sync.snapshot_completed`).
 */

/** Options of {@link joinStream}. */
export type JoinOptions = {
  readonly nodeId: string;
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly pool: Pool;
  readonly signer: CredentialSigner;
  readonly queue: ApplyQueue;
  readonly peers: readonly string[];
  readonly emit: EmitEvent;
  readonly metrics: SyncMetrics;
  readonly nowMs: () => number;
  readonly log: Log;
};

async function consumerFloor(jsm: JetStreamManager, name: string): Promise<number | undefined> {
  try {
    const info = await jsm.consumers.info(StreamName.sync, name);
    return info.ack_floor.stream_seq;
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === 10014) return undefined;
    throw err;
  }
}

async function snapshotFrom(options: JoinOptions, firstSeq: number): Promise<boolean> {
  const { jsm, log } = options;
  const decl = syncConsumer(options.nodeId);
  for (const peer of options.peers) {
    const startedMs = options.nowMs();
    try {
      const copy = await copyPeerReplica({ ...options, peer, log });
      const startSeq = snapshotStartSeq(copy.peerAckFloorSeq, firstSeq);
      await jsm.consumers.add(StreamName.sync, {
        ...toConsumerConfig(decl),
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: startSeq,
      });
      await options.pool.query(
        `INSERT INTO sync_gateway_state (node_id, snapshot_peer, snapshot_seq, snapshot_at)
         VALUES ($1, $2, $3, now())
         ON CONFLICT (node_id) DO UPDATE SET snapshot_peer = $2, snapshot_seq = $3, snapshot_at = now()`,
        [options.nodeId, peer, startSeq],
      );
      options.metrics.applied.snapshot += copy.records;
      await options.emit('sync.snapshot_completed', {
        peer,
        records: copy.records,
        pages: copy.pages,
        stream_seq: startSeq,
        duration_ms: Math.max(0, options.nowMs() - startedMs),
      });
      return true;
    } catch (err) {
      log.warn({ err, peer }, 'snapshot from peer failed');
    }
  }
  return false;
}

/** Joins the stream; returns the durable consumer name. */
export async function joinStream(options: JoinOptions): Promise<string> {
  const { jsm, log } = options;
  const decl = syncConsumer(options.nodeId);
  const stream = await jsm.streams.info(StreamName.sync);
  const ackFloorSeq = await consumerFloor(jsm, decl.name);
  const peers = options.peers.filter((peer) => peer !== options.nodeId);
  const plan = planCatchUp({
    ackFloorSeq,
    firstSeq: stream.state.first_seq,
    messages: stream.state.messages,
    peers,
  });
  log.info(
    { plan: plan.kind, ack_floor: ackFloorSeq, first_seq: stream.state.first_seq },
    'joining stream',
  );
  switch (plan.kind) {
    case 'resume':
      return decl.name;
    case 'create_all':
      await ensureConsumer(jsm, decl, { log });
      return decl.name;
    case 'gap_without_peer':
      log.warn(
        { first_seq: stream.state.first_seq },
        'records aged out of the stream and no peer to copy from',
      );
      if (!plan.consumerExists) await ensureConsumer(jsm, decl, { log });
      return decl.name;
    case 'snapshot': {
      if (plan.dropConsumer) await jsm.consumers.delete(StreamName.sync, decl.name);
      if (await snapshotFrom({ ...options, peers }, stream.state.first_seq)) return decl.name;
      throw new AppError(ErrorCode.UNAVAILABLE, 'no peer replica could be copied', {
        details: { peers, consumer: durableName('sync', options.nodeId) },
      });
    }
  }
}
