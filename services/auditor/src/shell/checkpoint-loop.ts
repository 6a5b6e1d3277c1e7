import {
  getHead,
  latestCheckpoint,
  recordCheckpoint,
  type Connectable,
} from '@fedplane/audit-store';
import {
  AUDIT_LOG_NAME,
  SignedCheckpointSchema,
  checkpointBytes,
  formatEd25519Header,
  parseCheckpoint,
  parseEnvelopeBody,
  parseJsonText,
  CheckpointSchema,
  fromUtf8,
  type AuditCheckpoint,
} from '@fedplane/core';
import {
  FixedSubject,
  KvKey,
  createIfAbsent,
  publishSigned,
  signKvEnvelope,
  updateIfRevision,
  type CredentialSigner,
  type Log,
} from '@fedplane/messaging';
import { sleep, type Clock } from '@fedplane/runtime';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { checkpointDue } from '../core/ingest-policy.js';

/**
 * Signed checkpoints (audit.md, Checkpoints): every `AUDITOR_CHECKPOINT_INTERVAL`, when the chain
 * grew, the lease holder signs `{log, size, head, at}` with its credential key and keeps it in
 * three places: the `audit_checkpoints` table, the `FED_CHECKPOINTS` stream (subject
 * `fed.audit.checkpoint`, `Nats-Msg-Id` = `size:head`, the signing headers on the message) and KV
 * `fed-audit` / `checkpoint` as the signed envelope (`{body, sig, cred, chain?}`), which only ever
 * moves forward. A failure is logged and retried on the next tick.
 */

/** Dependencies of the checkpoint loop. */
export type CheckpointDeps = {
  readonly pool: Connectable;
  readonly js: JetStreamClient;
  /** The `fed-audit` bucket. */
  readonly kv: KV;
  readonly signer: CredentialSigner;
  readonly clock: Clock;
  readonly log: Log;
  /** `AUDITOR_CHECKPOINT_INTERVAL` in ms. */
  readonly intervalMs: number;
};

/** The size of the checkpoint held in KV, or 0 when none (or unreadable). */
async function kvCheckpointSize(kv: KV): Promise<{ size: number; revision: number | null }> {
  const entry = await kv.get(KvKey.checkpoint);
  if (entry === null) return { size: 0, revision: null };
  if (entry.operation !== 'PUT') return { size: 0, revision: entry.revision };
  const checkpoint = readKvCheckpoint(entry.value);
  return { size: checkpoint?.size ?? 0, revision: entry.revision };
}

/** The checkpoint body of a KV envelope value, or null when it is not one. */
export function readKvCheckpoint(value: Uint8Array): AuditCheckpoint | null {
  const text = fromUtf8(value);
  if (text === undefined) return null;
  const json = parseJsonText(text);
  if (!json.ok) return null;
  const envelope = SignedCheckpointSchema.safeParse(json.value);
  if (!envelope.success) return null;
  const body = parseEnvelopeBody(envelope.data, CheckpointSchema);
  if (!body.ok) return null;
  const parsed = parseCheckpoint(body.bytes);
  return parsed.ok ? parsed.checkpoint : null;
}

/** Writes the envelope unless KV already holds a checkpoint at least as large (CAS). */
async function putKvCheckpoint(kv: KV, size: number, envelope: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const current = await kvCheckpointSize(kv);
    if (current.size >= size) return false;
    const result =
      current.revision === null
        ? await createIfAbsent(kv, KvKey.checkpoint, envelope)
        : await updateIfRevision(kv, KvKey.checkpoint, envelope, current.revision);
    if (result.ok) return true;
  }
  return false;
}

/**
 * Signs and keeps a checkpoint of the current head when it is larger than `lastSize`. Returns the
 * size checkpointed (or `lastSize` when nothing was due). Rejects on database or NATS failures
 * and when no valid credential is held (`AppError(UNAVAILABLE)` from the signer).
 */
async function writeCheckpoint(deps: CheckpointDeps, lastSize: number): Promise<number> {
  const head = await getHead(deps.pool);
  if (head.size <= lastSize || head.size === 0) return lastSize;
  const checkpoint: AuditCheckpoint = {
    log: AUDIT_LOG_NAME,
    size: head.size,
    head: head.head,
    at: new Date(deps.clock.nowMs()).toISOString(),
  };
  const bytes = checkpointBytes(checkpoint);
  const sig = formatEd25519Header(deps.signer.sign(bytes));
  const credential = deps.signer.credential();
  const recorded = await recordCheckpoint(deps.pool, { bytes, sig, signer: credential });
  if (!recorded.ok) {
    deps.log.error({ ...recorded.error }, 'audit checkpoint refused by the store');
    return lastSize;
  }
  await publishSigned(deps.js, {
    subject: FixedSubject.auditCheckpoint,
    body: bytes,
    signer: deps.signer,
    msgId: `${checkpoint.size}:${checkpoint.head}`,
  });
  const stored = await putKvCheckpoint(
    deps.kv,
    checkpoint.size,
    signKvEnvelope(bytes, deps.signer),
  );
  deps.log.info(
    { size: checkpoint.size, head: checkpoint.head, kv: stored },
    'audit checkpoint signed',
  );
  return checkpoint.size;
}

/** The size of the newest checkpoint already kept (table or KV), 0 when none. */
async function startingSize(deps: CheckpointDeps): Promise<number> {
  const [table, kv] = await Promise.all([
    latestCheckpoint(deps.pool).catch(() => null),
    kvCheckpointSize(deps.kv).catch(() => ({ size: 0 })),
  ]);
  return Math.max(table?.size ?? 0, kv.size);
}

/**
 * Runs until `signal` aborts, then writes one final checkpoint if the chain grew (best effort).
 * Never rejects: every failure is logged and retried on the next tick.
 */
export async function runCheckpointLoop(deps: CheckpointDeps, signal: AbortSignal): Promise<void> {
  let lastSize = await startingSize(deps);
  let lastAtMs = deps.clock.nowMs();
  const tick = async (final: boolean): Promise<void> => {
    try {
      const head = await getHead(deps.pool);
      const due = checkpointDue({
        size: head.size,
        lastSize,
        lastAtMs,
        nowMs: deps.clock.nowMs(),
        intervalMs: deps.intervalMs,
        final,
      });
      if (!due) return;
      lastSize = await writeCheckpoint(deps, lastSize);
      lastAtMs = deps.clock.nowMs();
    } catch (err) {
      deps.log.warn({ err, final }, 'audit checkpoint failed');
    }
  };
  while (!signal.aborted) {
    await sleep(Math.min(deps.intervalMs, 1_000), signal);
    if (!signal.aborted) await tick(false);
  }
  await tick(true);
}
