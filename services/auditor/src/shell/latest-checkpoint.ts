import { latestCheckpoint, type Connectable } from '@fedplane/audit-store';
import {
  AuditHeadReplySchema,
  fromUtf8,
  parseCheckpoint,
  parseJsonText,
  toBase64,
  type AuditCheckpoint,
  type AuditHeadReply,
} from '@fedplane/core';
import { KvKey } from '@fedplane/messaging';
import type { KV } from '@nats-io/kv';
import { readKvCheckpoint } from './checkpoint-loop.js';

/**
 * The latest signed checkpoint as `fed.audit.head` returns it: the KV `fed-audit` / `checkpoint`
 * envelope, or — when KV holds none (a fresh bucket) — the newest row of `audit_checkpoints`
 * rebuilt as an envelope (`cred` = the credential that signed it).
 */

/** A signed checkpoint and its parsed body. */
export type LatestCheckpoint = {
  readonly envelope: AuditHeadReply;
  readonly checkpoint: AuditCheckpoint;
};

async function fromKv(kv: KV): Promise<LatestCheckpoint | null> {
  const entry = await kv.get(KvKey.checkpoint);
  if (entry?.operation !== 'PUT') return null;
  const checkpoint = readKvCheckpoint(entry.value);
  const text = fromUtf8(entry.value);
  if (checkpoint === null || text === undefined) return null;
  const json = parseJsonText(text);
  const envelope = json.ok ? AuditHeadReplySchema.safeParse(json.value) : undefined;
  return envelope?.success === true ? { envelope: envelope.data, checkpoint } : null;
}

async function fromTable(pool: Connectable): Promise<LatestCheckpoint | null> {
  const stored = await latestCheckpoint(pool);
  if (stored === null) return null;
  const parsed = parseCheckpoint(stored.bytes);
  const envelope = AuditHeadReplySchema.safeParse({
    body: toBase64(stored.bytes),
    sig: stored.sig,
    cred: stored.signer,
  });
  return parsed.ok && envelope.success
    ? { envelope: envelope.data, checkpoint: parsed.checkpoint }
    : null;
}

/** The latest signed checkpoint, or null when none was ever written. Rejects when both stores fail. */
export async function readLatestCheckpoint(deps: {
  readonly kv: KV;
  readonly pool: Connectable;
}): Promise<LatestCheckpoint | null> {
  return (await fromKv(deps.kv)) ?? (await fromTable(deps.pool));
}
