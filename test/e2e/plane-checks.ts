import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { decodeCredential, verifyIdentity, type VerifierBundle } from '@fedplane/core';
import {
  BucketName,
  watchPosture,
  watchTrustBundle,
  type Bus,
  type Log,
  type PostureWatch,
  type TrustWatch,
} from '@fedplane/messaging';
import type { Pool } from 'pg';
import { replicaDigest } from '../../services/sync-gateway/src/adapters/pg-replica.js';
import type { FleetNode } from './plane-env.js';

/**
 * What the scenario observes and checks: the events on `fed.evt.>`, the live trust bundle and
 * posture, each node's replica, the nodes' credentials, the audit chain rows, and the approvals
 * HTTP API as an operator (API key to read, HMAC to decide).
 */

const SILENT: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** One event as seen on the bus. */
export type SeenEvent = {
  readonly id: string;
  readonly type: string;
  readonly actor: string;
  readonly subject?: string;
  readonly data: Record<string, unknown>;
};

/** Polls `check` every 200 ms until it returns a value other than undefined or false. */
export async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Collects every event published on `fed.evt.>` from now on. */
export function collectEvents(bus: Bus): { readonly events: SeenEvent[]; stop(): void } {
  const events: SeenEvent[] = [];
  const sub = bus.nc.subscribe('fed.evt.>', {
    callback: (_err, msg) => {
      try {
        events.push(JSON.parse(msg.string()) as SeenEvent);
      } catch {
        // not an event envelope; the auditor rejects it, nothing to collect
      }
    },
  });
  return { events, stop: () => sub.unsubscribe() };
}

/** The live trust bundle and posture, as every verifier holds them. */
export async function watchPlane(bus: Bus): Promise<{ trust: TrustWatch; posture: PostureWatch }> {
  const trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), { log: SILENT });
  await trust.ready;
  const posture = watchPosture(await bus.kvm.open(BucketName.enforcement), {
    trust,
    clock: { nowMs: () => Date.now() },
    log: SILENT,
  });
  await posture.ready;
  return { trust, posture };
}

/** Each node's replica digest, by node id. */
export async function replicas(
  pool: Pool,
  nodes: readonly FleetNode[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const node of nodes) {
    const rows = await replicaDigest(pool, node.id);
    out.set(
      node.id,
      rows.map((r) => `${r.id}:${String(r.content_hash)}:${String(r.deleted)}`),
    );
  }
  return out;
}

/** The node's credential (file) with its chain; `null` when the agent has written none yet. */
export function heldCredential(node: FleetNode): { leaf: string; chain: string | null } | null {
  if (!existsSync(node.credPath)) return null;
  const leaf = readFileSync(node.credPath, 'utf8').trim();
  const chain = existsSync(node.chainPath) ? readFileSync(node.chainPath, 'utf8').trim() : '';
  return { leaf, chain: chain === '' ? null : chain };
}

/** Verifies the node's held credential and chain against `bundle`; returns the failure or null. */
export function credentialProblem(node: FleetNode, bundle: VerifierBundle): string | null {
  const held = heldCredential(node);
  if (held === null) return 'no credential file';
  const verified = verifyIdentity({
    leaf: held.leaf,
    chain: held.chain,
    bundle,
    nowS: Math.floor(Date.now() / 1000),
    expectedAgentId: node.id,
  });
  return verified.ok ? null : JSON.stringify(verified.error);
}

/** The issuer id that signed the node's held credential (undefined without one). */
export function credentialIssuer(node: FleetNode): string | undefined {
  const held = heldCredential(node);
  if (held === null) return undefined;
  const decoded = decodeCredential(held.leaf);
  return decoded.ok ? decoded.value.claims.issuer_id : undefined;
}

/** One audit chain row, decoded. */
export type AuditRow = {
  readonly seq: number;
  readonly eventId: string;
  readonly type: string;
  readonly subject: string | null;
  readonly data: Record<string, unknown>;
};

/** Every audit row, in chain order. */
export async function auditRows(pool: Pool): Promise<AuditRow[]> {
  const result = await pool.query<{
    seq: string;
    event_id: string;
    type: string;
    subject: string | null;
    body: Buffer;
  }>('SELECT seq, event_id, type, subject, body FROM audit_events ORDER BY seq');
  return result.rows.map((row) => {
    let data: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(row.body.toString('utf8')) as { data?: Record<string, unknown> };
      data = parsed.data ?? {};
    } catch {
      // a rejected (non-JSON) body is chained as is
    }
    return {
      seq: Number(row.seq),
      eventId: row.event_id,
      type: row.type,
      subject: row.subject,
      data,
    };
  });
}

/** The first audit row matching, or undefined. */
export function firstRow(
  rows: readonly AuditRow[],
  match: (row: AuditRow) => boolean,
): AuditRow | undefined {
  return rows.find(match);
}

/** `GET /api/v1/pending?status=pending` with the API key. */
export async function pendingActions(
  baseUrl: string,
  apiKey: string,
): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${baseUrl}/api/v1/pending?status=pending`, {
    headers: { 'x-api-key': apiKey },
  });
  if (response.status !== 200) throw new Error(`pending: HTTP ${String(response.status)}`);
  const body = await response.json();
  if (Array.isArray(body)) return body as Record<string, unknown>[];
  const wrapped = body as { pending?: unknown; items?: unknown };
  const list = wrapped.pending ?? wrapped.items;
  return Array.isArray(list) ? list : [];
}

/**
 * `POST /api/v1/approvals/:id` signed as approvals.md fixes it: HMAC-SHA256 keyed with the raw
 * SHA-256 of the secret over `<ts>.POST.<id>.<raw body>`, lowercase hex.
 */
export async function decide(
  baseUrl: string,
  input: { readonly id: string; readonly secret: string; readonly decider: string },
  decision: 'approve' | 'deny' = 'approve',
): Promise<{ status: number; body: unknown }> {
  const body = JSON.stringify({ decision, remember: 'once' });
  const ts = String(Math.floor(Date.now() / 1000));
  const key = createHash('sha256').update(input.secret, 'utf8').digest();
  const mac = createHmac('sha256', key).update(`${ts}.POST.${input.id}.${body}`).digest('hex');
  const response = await fetch(`${baseUrl}/api/v1/approvals/${encodeURIComponent(input.id)}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-ai-memory-signature': `sha256=${mac}`,
      'x-ai-memory-timestamp': ts,
      'x-agent-id': input.decider,
    },
    body,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // keep the text
  }
  return { status: response.status, body: parsed };
}
