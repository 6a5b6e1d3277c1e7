import {
  BundleReplySchema,
  AuditHeadReplySchema,
  InventoryKvValueSchema,
  PostureSchema,
  fromBase64,
  fromUtf8,
  parseCheckpoint,
  parseInventory,
  parseJsonText,
  parseTrustBundle,
  toVerifierBundle,
  type VerifierBundle,
} from '@fedplane/core';
import {
  BucketName,
  FixedSubject,
  KvKey,
  StreamName,
  SubjectFilter,
  kvStreamName,
  nodeStatusSubject,
  parseNodeStatusSubject,
  request,
  verifyKvEnvelope,
  type Bus,
} from '@fedplane/messaging';
import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import { countPendingApprovals } from './pending-approvals.js';
import { readServices, readStatus, type NodeRead } from './status-services.js';
import type { AuditView, NodeView, PlaneStatus, PostureView, ServiceView } from './status-model.js';

/**
 * Reads the plane status from the bus: node statuses from `FED_STATUS` (signatures verified
 * against the trust bundle), the posture from `fed-enforcement` (signed by a reconciler), the
 * desired nodes from `fed-inventory`, pending approvals from the approval events, and the audit
 * head from `fed.audit.head` (else KV `fed-audit`). A part that cannot be read is reported in
 * `problems` and the rest is still shown.
 */

/** A status older than this is not "present" (the reconciler's RECONCILER_STATUS_TTL default). */
export const PRESENT_WINDOW_MS = 60_000;
const REQUEST_TIMEOUT_MS = 2_000;

async function lastKvValue(
  jsm: JetStreamManager,
  bucket: string,
  key: string,
): Promise<Uint8Array | undefined> {
  let msg: StoredMsg | null;
  try {
    msg = await jsm.streams.getMessage(kvStreamName(bucket), {
      last_by_subj: `$KV.${bucket}.${key}`,
    });
  } catch {
    return undefined;
  }
  if (msg === null) return undefined;
  const op = msg.header?.get('KV-Operation') ?? '';
  return op === 'DEL' || op === 'PURGE' ? undefined : msg.data;
}

/** The trust bundle: KV `fed-trust`, else `fed.issuer.bundle`. */
export async function readTrustBundle(bus: Bus): Promise<VerifierBundle | undefined> {
  const stored = await lastKvValue(bus.jsm, BucketName.trust, KvKey.bundle);
  const text = stored === undefined ? undefined : fromUtf8(stored);
  const json = text === undefined ? undefined : parseJsonText(text);
  if (json?.ok === true) {
    const parsed = parseTrustBundle(json.value);
    if (parsed.ok) return toVerifierBundle(parsed.value);
  }
  const reply = await request(
    bus.nc,
    FixedSubject.issuerBundle,
    {},
    { schema: BundleReplySchema, timeoutMs: REQUEST_TIMEOUT_MS },
  ).catch(() => undefined);
  return reply === undefined ? undefined : toVerifierBundle(reply);
}

/** The applied inventory: its node ids, posture wish and hash; undefined when none. */
export async function readInventory(
  bus: Bus,
): Promise<{ ids: string[]; requireSig: boolean | null; sha256: string } | undefined> {
  const raw = await lastKvValue(bus.jsm, BucketName.inventory, KvKey.desired);
  const text = raw === undefined ? undefined : fromUtf8(raw);
  const json = text === undefined ? undefined : parseJsonText(text);
  if (json?.ok !== true) return undefined;
  const value = InventoryKvValueSchema.safeParse(json.value);
  if (!value.success) return undefined;
  const inventory = parseInventory(value.data.yaml);
  if (!inventory.ok) return undefined;
  return {
    ids: inventory.value.nodes.map((n) => n.id),
    requireSig: inventory.value.requireSig ?? null,
    sha256: value.data.sha256,
  };
}

async function observedIds(jsm: JetStreamManager): Promise<string[]> {
  const info = await jsm.streams.info(StreamName.status, {
    subjects_filter: SubjectFilter.nodeStatus,
  });
  const ids: string[] = [];
  for (const subject of Object.keys(info.state.subjects ?? {})) {
    const parsed = parseNodeStatusSubject(subject);
    if (parsed.ok) ids.push(parsed.value);
  }
  return ids;
}

async function nodeView(read: NodeRead, id: string, desired: boolean): Promise<NodeView> {
  const missing: NodeView = {
    id,
    desired,
    present: false,
    can_sign: false,
    not_after: null,
    status_at: null,
    signature: 'missing',
  };
  const got = await readStatus(read, nodeStatusSubject(id), id);
  if (got.kind !== 'status') return { ...missing, signature: got.kind };
  return {
    id,
    desired,
    present: read.nowMs - got.stored.time.getTime() <= PRESENT_WINDOW_MS,
    can_sign: got.canSign,
    not_after: got.status.not_after,
    status_at: got.stored.time.toISOString(),
    signature: got.signature,
  };
}

/** Reads the posture; a value that does not verify as a reconciler's counts as permissive. */
export async function readPosture(
  bus: Bus,
  bundle: VerifierBundle | undefined,
  nowS: number,
): Promise<PostureView> {
  const permissive = { require_sig: false, revision: null, decided_at: null } as const;
  const raw = await lastKvValue(bus.jsm, BucketName.enforcement, KvKey.posture);
  if (raw === undefined) return { ...permissive, state: 'absent' };
  if (bundle === undefined) return { ...permissive, state: 'unverified (no trust bundle)' };
  const verified = verifyKvEnvelope(raw, bundle, nowS);
  if (!verified.ok) return { ...permissive, state: `refused (${verified.error.tag})` };
  if (!verified.signer.startsWith('svc/reconciler/')) {
    return { ...permissive, state: `refused (signed by ${verified.signer})` };
  }
  const text = fromUtf8(verified.body);
  const json = text === undefined ? undefined : parseJsonText(text);
  const posture = json?.ok === true ? PostureSchema.safeParse(json.value) : undefined;
  if (posture?.success !== true) return { ...permissive, state: 'refused (malformed body)' };
  return {
    require_sig: posture.data.require_sig,
    revision: posture.data.revision,
    decided_at: posture.data.decided_at,
    state: 'valid',
  };
}

/** The audit head: `fed.audit.head`, else the checkpoint kept in KV `fed-audit`. */
export async function readAuditHead(bus: Bus): Promise<AuditView> {
  const none: AuditView = { size: null, head: null, at: null };
  const reply = await request(
    bus.nc,
    FixedSubject.auditHead,
    {},
    { schema: AuditHeadReplySchema, timeoutMs: REQUEST_TIMEOUT_MS },
  ).catch(() => undefined);
  let body = reply === undefined ? undefined : fromBase64(reply.body);
  if (body === undefined) {
    const raw = await lastKvValue(bus.jsm, BucketName.audit, KvKey.checkpoint);
    const text = raw === undefined ? undefined : fromUtf8(raw);
    const json = text === undefined ? undefined : parseJsonText(text);
    const inner =
      json?.ok === true && typeof json.value === 'object' && json.value !== null
        ? (json.value as { body?: unknown }).body
        : undefined;
    body = typeof inner === 'string' ? fromBase64(inner) : undefined;
  }
  if (body === undefined) return none;
  const checkpoint = parseCheckpoint(body);
  if (!checkpoint.ok) return none;
  return {
    size: checkpoint.checkpoint.size,
    head: checkpoint.checkpoint.head,
    at: checkpoint.checkpoint.at,
  };
}

function failure(what: string, err: unknown): string {
  return `${what}: ${err instanceof Error ? err.message : String(err)}`;
}

/** Gathers the whole status at `nowMs`. Never throws; unreadable parts go to `problems`. */
export async function gatherStatus(bus: Bus, nowMs: number): Promise<PlaneStatus> {
  const problems: string[] = [];
  const bundle = await readTrustBundle(bus);
  if (bundle === undefined) problems.push('trust bundle: not published yet (issuer down?)');
  const inventory = await readInventory(bus).catch((err: unknown) => {
    problems.push(failure('inventory', err));
    return undefined;
  });
  const observed = await observedIds(bus.jsm).catch((err: unknown) => {
    problems.push(failure('node statuses', err));
    return [] as string[];
  });
  const desired = inventory?.ids ?? [];
  const ids = [...desired, ...observed.filter((id) => !desired.includes(id)).sort()];
  const nodes: NodeView[] = [];
  for (const id of ids)
    nodes.push(await nodeView({ bus, bundle, nowMs }, id, desired.includes(id)));
  const services = await readServices({ bus, bundle, nowMs }, PRESENT_WINDOW_MS).catch(
    (err: unknown) => {
      problems.push(failure('service statuses', err));
      return [] as ServiceView[];
    },
  );
  const posture = await readPosture(bus, bundle, Math.floor(nowMs / 1000)).catch((err: unknown) => {
    problems.push(failure('posture', err));
    return { require_sig: false, revision: null, decided_at: null, state: 'unreadable' };
  });
  const pending = await countPendingApprovals(bus).catch((err: unknown) => {
    problems.push(failure('approvals', err));
    return null;
  });
  const audit = await readAuditHead(bus);
  return {
    nodes,
    services,
    posture,
    pending_approvals: pending,
    audit,
    inventory:
      inventory === undefined
        ? null
        : { sha256: inventory.sha256, require_sig: inventory.requireSig },
    problems,
  };
}
