import { readFileSync } from 'node:fs';
import { fromBase64 } from '@fedplane/core';
import { aiMemory, createSyncClient, type SyncResponse } from '../integration/sync-client.js';
import { E2E_NAMESPACE, type FleetNode } from './plane-env.js';

/**
 * Writes through the nodes' gateways as each node's own daemon (an ai-memory-shaped client with
 * the node's key and the credential its renewal-agent keeps fresh, re-read before every push):
 * signed `/api/v1/sync/push` requests, several memories per push, to random gateways.
 * Only a 200 with the quorum met counts as acknowledged; a push that is not is retried.
 */

/** The result of a write run. */
export type WriteRun = {
  /** Ids acknowledged (200, quorum met). */
  readonly acked: readonly string[];
  /**
   * Ids committed by some gateway: a 200, or a 202 `quorum_not_met` (sync.md: committed locally
   * and durable in the stream, so it converges). Every one must end up on every replica.
   */
  readonly committed: readonly string[];
  /** Ids whose push was refused or failed (never acknowledged; may or may not be stored). */
  readonly unacked: readonly string[];
  /** Every push not acknowledged (retried or not): status and body, for the report. */
  readonly failures: readonly { readonly status: number; readonly body: unknown }[];
};

/** Options of {@link writeRecords}. */
export type WriteOptions = {
  readonly nodes: readonly FleetNode[];
  readonly count: number;
  /** Id prefix (unique per run). */
  readonly prefix: string;
  readonly batch?: number;
  readonly concurrency?: number;
  /** Sends of a push not acknowledged (default 3). */
  readonly retries?: number;
  /** Deterministic choice of gateway (default Math.random). */
  readonly pick?: (n: number) => number;
};

function identityOf(node: FleetNode): { agentId: string; seed: Uint8Array; credential: string } {
  const seed = fromBase64(readFileSync(node.keyPath, 'utf8').trim());
  if (seed === undefined) throw new Error(`${node.id}: unreadable key`);
  return { agentId: node.id, seed, credential: readFileSync(node.credPath, 'utf8').trim() };
}

function committedBy(response: SyncResponse): boolean {
  if (response.status === 200) return true;
  const body = response.body as { error?: unknown } | null;
  return response.status === 202 && body?.error === 'quorum_not_met';
}

function quorumMet(response: SyncResponse): boolean {
  if (response.status !== 200) return false;
  const quorum = (response.body as { quorum?: { needed?: number; got?: number } }).quorum;
  return quorum !== undefined && (quorum.got ?? 0) >= (quorum.needed ?? Infinity);
}

/** Pushes one batch through `node`'s gateway. */
export async function pushBatch(
  node: FleetNode,
  memories: readonly Record<string, unknown>[],
): Promise<SyncResponse> {
  const client = createSyncClient(`http://127.0.0.1:${String(node.httpPort)}`, identityOf(node));
  return client.push(memories);
}

/** Writes `count` records in batches through random gateways; never throws for a failed push. */
export async function writeRecords(options: WriteOptions): Promise<WriteRun> {
  const batch = options.batch ?? 50;
  const retries = options.retries ?? 3;
  const pick = options.pick ?? ((n: number) => Math.floor(Math.random() * n));
  const batches: string[][] = [];
  for (let i = 0; i < options.count; i += batch) {
    const ids: string[] = [];
    for (let j = i; j < Math.min(options.count, i + batch); j += 1) {
      ids.push(`${options.prefix}-${String(j).padStart(6, '0')}`);
    }
    batches.push(ids);
  }
  const acked: string[] = [];
  const committed = new Set<string>();
  const unacked: string[] = [];
  const failures: { status: number; body: unknown }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const ids = batches[next];
      next += 1;
      if (ids === undefined) return;
      const memories = ids.map((id) => aiMemory(id, { namespace: E2E_NAMESPACE }));
      // As the daemon does: a push not acknowledged is sent again (same ids: idempotent),
      // through another random gateway.
      let done = false;
      for (let attempt = 0; attempt <= retries && !done; attempt += 1) {
        const node = options.nodes[pick(options.nodes.length)];
        if (node === undefined) throw new Error('no node to write through');
        try {
          const response = await pushBatch(node, memories);
          if (committedBy(response)) for (const id of ids) committed.add(id);
          done = quorumMet(response);
          if (!done) failures.push({ status: response.status, body: response.body });
        } catch (err) {
          failures.push({ status: 0, body: String(err) });
        }
      }
      (done ? acked : unacked).push(...ids);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, () => worker()));
  return { acked, committed: [...committed], unacked, failures };
}
