import { PendingActionViewSchema, type ApprovalRequest } from '@fedplane/core';
import { FixedSubject, request } from '@fedplane/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleRequest } from '../../services/approvals/src/shell/handle-request.js';
import {
  API_KEY,
  askApproval,
  eventually,
  getJson,
  postDecision,
  recordEvents,
  signedDecision,
  startInstance,
  startWorld,
  type ApprovalsWorld,
  type SeenEvent,
} from './approvals-fixtures.js';

/**
 * Approvals rules, reads and expiry against real NATS and Postgres: remembered (`forever`,
 * `session`) and configured rules, keyset pages of `GET /api/v1/pending`, `fed.approvals.get`,
 * OpenAPI and `/ui`, and the expiry sweeper.
 */

type Instance = Awaited<ReturnType<typeof startInstance>>;

let world: ApprovalsWorld;
let a: Instance;
let b: Instance;
let recorder: ReturnType<typeof recordEvents>;
let events: SeenEvent[] = [];

beforeAll(async () => {
  world = await startWorld();
  recorder = recordEvents(world);
  events = recorder.events;
  a = await startInstance(world, { name: 'rules-a' });
  b = await startInstance(world, { name: 'rules-b' });
});

afterAll(async () => {
  recorder?.stop();
  await a?.stop();
  await b?.stop();
  await world?.close();
});

const ask = (req: Partial<ApprovalRequest> = {}) => askApproval(world, req);

describe('remembered and configured rules', () => {
  it('remember=forever decides the next matching request at once, with a decided event', async () => {
    const req = { namespace: 'fleet/rules', requested_by: 'svc/reconciler/r-2' };
    const { pending_id: first } = await ask(req);
    const res = await postDecision(
      a.url,
      first,
      signedDecision({ id: first, decider: 'ops/alice', decision: 'approve', remember: 'forever' }),
    );
    expect(res.body).toMatchObject({ approved: true, remember: 'forever' });
    const rules = (await getJson(a.url, '/api/v1/rules')).body['rules'] as Record<
      string,
      unknown
    >[];
    const rule = rules.find((r) => r['namespace'] === 'fleet/rules');
    expect(rule).toMatchObject({
      agent_id: 'svc/reconciler/r-2',
      decision: 'approve',
      remember: 'forever',
      expires_at: null,
    });
    const second = await ask(req);
    expect(second.status).toBe('approved');
    await eventually(
      () =>
        events.some(
          (e) =>
            e.type === 'approval.decided' &&
            e.data['pending_id'] === second.pending_id &&
            e.data['rule_id'] === rule?.['id'],
        ),
      5_000,
      'rule-decided event',
    );
    // Another namespace or requester is not covered.
    expect((await ask({ ...req, namespace: 'fleet/other' })).status).toBe('pending');
    // Deleting the rule ends it.
    const del = await fetch(`${a.url}/api/v1/rules/${String(rule?.['id'])}`, {
      method: 'DELETE',
      headers: { 'x-api-key': API_KEY, 'x-agent-id': 'ops/alice' },
    });
    expect(del.status).toBe(200);
    expect((await ask(req)).status).toBe('pending');
    await eventually(
      () =>
        events.some((e) => e.type === 'approval.rule_deleted' && e.data['reason'] === 'deleted'),
      5_000,
      'rule_deleted event',
    );
  });

  it('remember=session decides until the session TTL, then the sweeper deletes the rule', async () => {
    const c = await startInstance(world, {
      name: 'http-session',
      settings: { sessionTtlMs: 1_500 },
    });
    try {
      const req = { namespace: 'fleet/session', requested_by: 'svc/reconciler/r-3' };
      const { pending_id: id } = await ask(req);
      const res = await postDecision(
        c.url,
        id,
        signedDecision({ id, decider: 'ops/alice', decision: 'deny', remember: 'session' }),
      );
      expect(res.body).toMatchObject({ rejected: true, remember: 'session' });
      expect((await ask(req)).status).toBe('denied');
      await eventually(
        () =>
          events.some(
            (e) =>
              e.type === 'approval.rule_deleted' &&
              e.data['reason'] === 'expired' &&
              e.data['namespace'] === 'fleet/session',
          ),
        10_000,
        'session rule expired',
      );
      expect((await ask(req)).status).toBe('pending');
    } finally {
      await c.stop();
    }
  });

  it('an explicit configured deny beats a remembered allow', async () => {
    const c = await startInstance(world, {
      name: 'http-deny',
      listen: false,
      settings: {
        configuredRules: [
          { action_type: '*', namespace: 'prod/**', agent: '**', decision: 'deny' },
        ],
      },
    });
    try {
      const req = {
        action_type: 'sync_dlq_replay',
        namespace: 'prod/eu',
        requested_by: 'svc/sync-gateway/g-1',
        payload: {},
      } as const;
      const first = await handleRequest(
        { ...c.instance.deps, settings: { ...c.instance.deps.settings, configuredRules: [] } },
        req,
        'req-1',
      );
      expect(first.status).toBe('pending');
      const approved = await postDecision(
        a.url,
        first.pending_id,
        signedDecision({
          id: first.pending_id,
          decider: 'ops/alice',
          decision: 'approve',
          remember: 'forever',
        }),
      );
      expect(approved.status).toBe(200);
      // Without the configured deny the remembered allow decides; with it, deny wins.
      expect((await handleRequest(a.instance.deps, req, 'req-2')).status).toBe('approved');
      expect((await handleRequest(c.instance.deps, req, 'req-3')).status).toBe('denied');
    } finally {
      await c.stop();
    }
  });
});

describe('reads', () => {
  it('GET /api/v1/pending pages with a keyset cursor, filters, and needs the API key', async () => {
    const ns = 'fleet/paging';
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) ids.push((await ask({ namespace: ns })).pending_id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/v1/pending?namespace=${ns}&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page = await getJson(a.url, q);
      expect(page.status).toBe(200);
      for (const item of page.body['items'] as { id: string }[]) seen.push(item.id);
      cursor = page.body['next_cursor'] as string | null;
    } while (cursor !== null);
    expect(seen).toEqual(ids);
    const approved = await getJson(a.url, `/api/v1/pending?namespace=${ns}&status=approved`);
    expect(approved.body['items']).toEqual([]);
    expect((await getJson(a.url, '/api/v1/pending', {})).status).toBe(401);
    expect(
      (await getJson(a.url, '/api/v1/pending', { 'x-api-key': 'wrong-key-0123456789' })).status,
    ).toBe(401);
    expect((await getJson(a.url, '/api/v1/pending?cursor=AAAA')).status).toBe(400);
    expect((await getJson(a.url, '/api/v1/pending/not-an-id')).status).toBe(400);
    const got = await request(
      world.bus.nc,
      FixedSubject.approvalsGet,
      { pending_id: ids[0] },
      { schema: PendingActionViewSchema },
    );
    expect(got).toMatchObject({ id: ids[0], namespace: ns, status: 'pending' });
  });

  it('mounts the /ui console', async () => {
    const res = await fetch(`${a.url}/ui`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('serves the OpenAPI document at /docs', async () => {
    const doc = await getJson(a.url, '/docs/json', {});
    expect(doc.status).toBe(200);
    const paths = Object.keys(doc.body['paths'] as object);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/pending',
        '/api/v1/pending/{id}',
        '/api/v1/approvals/{id}',
        '/api/v1/approvals/stream',
        '/api/v1/rules',
        '/api/v1/rules/{id}',
      ]),
    );
  });
});

describe('expiry', () => {
  it('the sweeper expires a pending action past expires_at and emits approval.expired', async () => {
    const { pending_id: id } = await ask({ timeout_s: 1 });
    await eventually(
      () => events.some((e) => e.type === 'approval.expired' && e.data['pending_id'] === id),
      10_000,
      'approval.expired',
    );
    const view = await getJson(a.url, `/api/v1/pending/${id}`);
    expect(view.body['status']).toBe('expired');
    const late = await postDecision(
      a.url,
      id,
      signedDecision({ id, decider: 'ops/alice', decision: 'approve' }),
    );
    expect(late.status).toBe(409);
    expect([a.instance.isSweeper(), b.instance.isSweeper()].filter(Boolean)).toHaveLength(1);
  });
});
