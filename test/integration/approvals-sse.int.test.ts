import { ApprovalRequestReplySchema, type ApprovalRequest } from '@fedplane/core';
import {
  FixedSubject,
  buildEvent,
  eventSubject,
  newEventStamp,
  request,
  signedHeaders,
  type CredentialSigner,
} from '@fedplane/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  postDecision,
  signedDecision,
  signerFor,
  startInstance,
  startWorld,
  type ApprovalsWorld,
} from './approvals-fixtures.js';
import { openStream, type SseClient } from './approvals-sse-client.js';

/**
 * The SSE stream against real NATS and Postgres: the reference tenant filter, events reaching
 * every replica, 1,000 subscribers on one instance, and a slow subscriber that gets `lagged`
 * while the others keep receiving everything.
 */

type Instance = Awaited<ReturnType<typeof startInstance>>;

let world: ApprovalsWorld;
let a: Instance;
let b: Instance;

beforeAll(async () => {
  world = await startWorld();
  a = await startInstance(world, {
    name: 'sse-a',
    settings: {
      configuredRules: [
        { action_type: '*', namespace: 'fleet/ops/**', agent: 'ops/bob', decision: 'approve' },
      ],
    },
  });
  b = await startInstance(world, { name: 'sse-b' });
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await world?.close();
});

function ask(req: Partial<ApprovalRequest>) {
  return request(
    world.bus.nc,
    FixedSubject.approvalsRequest,
    {
      action_type: 'decommission_node',
      namespace: 'fleet/sse',
      requested_by: 'svc/reconciler/r-1',
      payload: {},
      ...req,
    },
    { schema: ApprovalRequestReplySchema },
  );
}

const ids = (client: SseClient, event: string): unknown[] =>
  client.frames.filter((f) => f.event === event).map((f) => f.data['pending_id']);

describe('tenant filter', () => {
  it('shows each subscriber only its own requests and what an allow rule grants it', async () => {
    const requester = await openStream(a.url, 'svc/reconciler/r-1');
    const onB = await openStream(b.url, '  svc/reconciler/r-1  ');
    const stranger = await openStream(a.url, 'ops/alice');
    const anonymous = await openStream(a.url, undefined);
    const host = await openStream(a.url, 'host:svc/reconciler/r-1');
    const bob = await openStream(a.url, 'ops/bob');
    const clients = [requester, onB, stranger, anonymous, host, bob];
    try {
      const mine = await ask({});
      const ops = await ask({ namespace: 'fleet/ops/eu', requested_by: 'svc/reconciler/r-9' });
      const decided = await postDecision(
        a.url,
        mine.pending_id,
        signedDecision({ id: mine.pending_id, decider: 'ops/alice', decision: 'approve' }),
      );
      expect(decided.status).toBe(200);
      await eventually(
        () =>
          ids(requester, 'approval_decided').includes(mine.pending_id) &&
          ids(onB, 'approval_decided').includes(mine.pending_id) &&
          ids(bob, 'approval_requested').includes(ops.pending_id),
        10_000,
        'frames',
      );
      const requested = requester.frames.find((f) => f.event === 'approval_requested');
      expect(requested?.data).toEqual({
        event: 'approval_requested',
        pending_id: mine.pending_id,
        action_type: 'decommission_node',
        namespace: 'fleet/sse',
        requested_by: 'svc/reconciler/r-1',
        requested_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      expect(onB.frames.find((f) => f.event === 'approval_decided')?.data).toEqual({
        event: 'approval_decided',
        pending_id: mine.pending_id,
        decision: 'approve',
        decided_by: 'ops/alice',
        remember: 'once',
        namespace: 'fleet/sse',
        requested_by: 'svc/reconciler/r-1',
      });
      expect(ids(requester, 'approval_requested')).toEqual([mine.pending_id]);
      expect(ids(bob, 'approval_requested')).toEqual([ops.pending_id]);
      for (const blind of [stranger, anonymous, host]) expect(blind.frames).toEqual([]);

      // A remembered allow for r-1 in fleet/sse lets r-1 see other requesters there.
      const first = await ask({});
      await postDecision(
        a.url,
        first.pending_id,
        signedDecision({
          id: first.pending_id,
          decider: 'ops/alice',
          decision: 'approve',
          remember: 'forever',
        }),
      );
      // The rule reaches the hub through approval.rule_recorded; then r-7's request is visible.
      await new Promise((r) => setTimeout(r, 300));
      const other = await ask({ requested_by: 'svc/reconciler/r-7' });
      await eventually(
        () => ids(requester, 'approval_requested').includes(other.pending_id),
        10_000,
        'granted frame',
      );
      expect(ids(stranger, 'approval_requested')).toEqual([]);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('refuses a stream without the API key', async () => {
    const res = await fetch(`${a.url}/api/v1/approvals/stream`, {
      headers: { accept: 'text/event-stream', 'x-agent-id': 'ops/alice' },
    });
    expect(res.status).toBe(401);
  });

  it('sends a keepalive comment on the configured period', async () => {
    const c = await startInstance(world, { name: 'sse-ka', settings: { keepaliveMs: 200 } });
    const client = await openStream(c.url, 'ops/alice');
    try {
      await eventually(() => client.comments.includes('keepalive'), 5_000, 'keepalive');
    } finally {
      client.close();
      await c.stop();
    }
  });
});

describe('fan-out', () => {
  it('1,000 subscribers on one instance all receive a decision', async () => {
    const requester = 'svc/reconciler/r-1000';
    const clients: SseClient[] = [];
    try {
      for (let i = 0; i < 1_000; i += 50) {
        clients.push(
          ...(await Promise.all(Array.from({ length: 50 }, () => openStream(a.url, requester)))),
        );
      }
      await eventually(() => a.instance.hub.stats().subscribers >= 1_000, 10_000, 'attached');
      const { pending_id: id } = await ask({ requested_by: requester });
      const res = await postDecision(
        b.url,
        id,
        signedDecision({ id, decider: 'ops/alice', decision: 'deny' }),
      );
      expect(res.status).toBe(200);
      await eventually(
        () => clients.every((c) => ids(c, 'approval_decided').includes(id)),
        30_000,
        'every subscriber got the decision',
      );
      expect(clients.every((c) => c.frames.every((f) => f.event !== 'lagged'))).toBe(true);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('a slow subscriber gets lagged; the others receive every frame without waiting for it', async () => {
    const c = await startInstance(world, { name: 'sse-slow', settings: { sseBufferFrames: 256 } });
    const requester = 'svc/reconciler/r-slow';
    const slow = await openStream(c.url, requester);
    slow.pause();
    const fast = await Promise.all([1, 2, 3].map(() => openStream(c.url, requester)));
    const signer = signerFor(world.issuer, 'svc/approvals/sse-fake');
    // More bytes than the loopback socket buffers can hold (send buffer up to 4 MiB here), so the
    // paused client's queue must overflow.
    const total = 8_000;
    try {
      publishRequested(signer, { count: total, requester });
      await eventually(
        () => fast.every((f) => f.frames.length === total),
        45_000,
        'fast subscribers got every frame',
      );
      for (const f of fast) expect(f.frames.some((fr) => fr.event === 'lagged')).toBe(false);
      // The slow one has not read a thing yet, and the fast ones did not wait for it.
      expect(slow.frames.length).toBeLessThan(total);
      slow.resume();
      await eventually(
        () => slow.frames.some((f) => f.event === 'lagged'),
        20_000,
        'slow subscriber lagged',
      );
      const lagged = slow.frames.find((f) => f.event === 'lagged');
      expect(lagged?.data).toEqual({ lagged: true });
      expect(c.instance.hub.stats().lagged).toBeGreaterThan(0);
    } finally {
      slow.close();
      for (const f of fast) f.close();
      await c.stop();
    }
  });
});

/** Publishes signed `approval.requested` events straight onto the bus (core publish, no acks). */
function publishRequested(
  signer: CredentialSigner,
  input: { readonly count: number; readonly requester: string },
): void {
  const namespace = `fleet/${'n'.repeat(500)}`;
  for (let i = 0; i < input.count; i += 1) {
    const stamp = newEventStamp();
    const body = buildEvent({
      ...stamp,
      type: 'approval.requested',
      actor: signer.agentId,
      subject: stamp.id,
      data: {
        pending_id: stamp.id,
        action_type: 'sync_dlq_replay',
        namespace,
        requested_by: input.requester,
      },
    });
    world.bus.nc.publish(eventSubject('approval.requested', stamp.id), body, {
      headers: signedHeaders(signer, body, stamp.id),
    });
  }
}
