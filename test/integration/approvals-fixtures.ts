/** Shared fixtures of the approvals suites: NATS + Postgres + test issuer, instances, helpers. */
import { randomBytes } from 'node:crypto';
import {
  ApprovalRequestReplySchema,
  parseEvent,
  publicKeyFromSeed,
  signApproval,
  type ApprovalRequest,
} from '@fedplane/core';
import {
  BucketName,
  FixedSubject,
  connectBus,
  request,
  seedCredentialSigner,
  watchTrustBundle,
  type Bus,
  type CredentialSigner,
  type Log,
  type TrustWatch,
} from '@fedplane/messaging';
import type { Clock } from '@fedplane/runtime';
import {
  createTestDatabase,
  startNatsServer,
  startTestIssuer,
  withPool,
  type NatsServerHandle,
  type TestDatabase,
  type TestIssuer,
} from '@fedplane/testkit';
import type { Pool } from 'pg';
import {
  startApprovals,
  type ApprovalsInstance,
  type InstanceSettings,
} from '../../services/approvals/src/shell/start-approvals.js';

export const SILENT: Log = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

export const API_KEY = 'test-api-key-0123456789abcdef';
export const HMAC_SECRET = 'k10-approvals-secret';

export const TEST_SETTINGS: InstanceSettings = {
  defaultTimeoutS: 86_400,
  sessionTtlMs: 8 * 3_600_000,
  configuredRules: [],
  sweepIntervalMs: 200,
  leaseTtlMs: 3_000,
  sseBufferFrames: 1_024,
  keepaliveMs: 15_000,
};

/** One suite's world. */
export type ApprovalsWorld = {
  readonly nats: NatsServerHandle;
  readonly db: TestDatabase;
  readonly bus: Bus;
  readonly pool: Pool;
  readonly issuer: TestIssuer;
  readonly trust: TrustWatch;
  close(): Promise<void>;
};

export async function startWorld(): Promise<ApprovalsWorld> {
  const nats = await startNatsServer();
  const db = await createTestDatabase();
  const bus = await connectBus({ servers: nats.url, name: 'approvals-test', log: SILENT });
  const pool = withPool(db.url, 12);
  pool.on('error', () => undefined);
  const issuer = await startTestIssuer({ nc: bus.nc });
  const trust = watchTrustBundle(await bus.kvm.open(BucketName.trust), { log: SILENT });
  await trust.ready;
  return {
    nats,
    db,
    bus,
    pool,
    issuer,
    trust,
    close: async () => {
      await trust.stop();
      await issuer.stop();
      await bus.close();
      await pool.end();
      await db.drop();
      await nats.stop();
    },
  };
}

/** A signer with a credential from the test issuer. */
export function signerFor(
  issuer: TestIssuer,
  agentId: string,
  options: { readonly nowS?: number; readonly ttlS?: number } = {},
): CredentialSigner {
  const seed = new Uint8Array(randomBytes(32));
  const credential = issuer.issue(agentId, publicKeyFromSeed(seed), options);
  return seedCredentialSigner({ agentId, seed, credential: () => credential.header });
}

/** Options of {@link startInstance}. */
export type InstanceOptions = {
  readonly name: string;
  readonly clock?: Clock;
  readonly settings?: Partial<InstanceSettings>;
  readonly hmacSecret?: string | null;
  readonly listen?: boolean;
};

/** An in-process approvals instance with its own bus connection. */
export async function startInstance(
  world: ApprovalsWorld,
  options: InstanceOptions,
): Promise<{ instance: ApprovalsInstance; url: string; bus: Bus; stop(): Promise<void> }> {
  const bus = await connectBus({ servers: world.nats.url, name: options.name, log: SILENT });
  const nowS = options.clock === undefined ? undefined : Math.floor(options.clock.nowMs() / 1000);
  const instance = await startApprovals({
    bus,
    pool: world.pool,
    signer: signerFor(world.issuer, `svc/approvals/${options.name}`, {
      ...(nowS === undefined ? {} : { nowS }),
    }),
    trust: world.trust,
    settings: { ...TEST_SETTINGS, ...options.settings },
    apiKeys: [API_KEY],
    hmacSecret: options.hmacSecret === undefined ? HMAC_SECRET : options.hmacSecret,
    log: SILENT,
    instance: options.name,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.listen === false ? {} : { http: { port: 0, host: '127.0.0.1' } }),
  });
  return {
    instance,
    bus,
    url: `http://127.0.0.1:${String(instance.port)}`,
    stop: async () => {
      await instance.stop();
      await bus.close();
    },
  };
}

let skew = 0;

/**
 * A signed decision: the exact body and headers. `X-Agent-Id` is not covered by the HMAC (as in
 * the reference), so two deciders sending the same body in the same second would send the same
 * signature; without `nowS`, each call uses a distinct timestamp inside the window.
 */
export function signedDecision(input: {
  readonly id: string;
  readonly decider: string;
  readonly decision: 'approve' | 'deny';
  readonly remember?: 'once' | 'session' | 'forever';
  readonly nowS?: number;
  readonly secret?: string;
}): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    decision: input.decision,
    ...(input.remember === undefined ? {} : { remember: input.remember }),
  });
  skew = (skew + 1) % 250;
  const timestamp = String(input.nowS ?? Math.floor(Date.now() / 1000) - skew);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-ai-memory-signature': signApproval({
        secret: input.secret ?? HMAC_SECRET,
        timestamp,
        pendingId: input.id,
        body,
      }),
      'x-ai-memory-timestamp': timestamp,
      'x-agent-id': input.decider,
    },
  };
}

/** POSTs a decision to `url`; returns status and parsed body. */
export async function postDecision(
  url: string,
  id: string,
  signed: { body: string; headers: Record<string, string> },
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const res = await fetch(`${url}/api/v1/approvals/${encodeURIComponent(id)}`, {
    method: 'POST',
    headers: signed.headers,
    body: signed.body,
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, text };
}

/** GET with the API key. */
export async function getJson(
  url: string,
  path: string,
  headers: Record<string, string> = { 'x-api-key': API_KEY },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls `check` until true or the deadline passes (then throws naming `what`). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A recorded approval event. */
export type SeenEvent = { subject: string; type: string; data: Record<string, unknown> };

/** Records every `fed.evt.approval.>` event on the world's connection until `stop()`. */
export function recordEvents(world: ApprovalsWorld): { events: SeenEvent[]; stop(): void } {
  const events: SeenEvent[] = [];
  const sub = world.bus.nc.subscribe('fed.evt.approval.>', {
    callback: (_err, msg) => {
      const parsed = parseEvent(msg.data);
      if (parsed.ok) {
        events.push({ subject: msg.subject, type: parsed.value.type, data: parsed.value.data });
      }
    },
  });
  return { events, stop: () => sub.unsubscribe() };
}

/** `fed.approvals.request` with defaults (a decommission in `fleet/nyc` by `svc/reconciler/r-1`). */
export function askApproval(world: ApprovalsWorld, req: Partial<ApprovalRequest> = {}) {
  return request(
    world.bus.nc,
    FixedSubject.approvalsRequest,
    {
      action_type: 'decommission_node',
      namespace: 'fleet/nyc',
      requested_by: 'svc/reconciler/r-1',
      payload: { node_id: 'region/nyc/node-7' },
      ...req,
    },
    { schema: ApprovalRequestReplySchema },
  );
}
