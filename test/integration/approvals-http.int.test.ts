import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ApprovalRequestReplySchema,
  PendingActionViewSchema,
  parseEvent,
  type ApprovalRequest,
} from '@fedplane/core';
import { FixedSubject, request } from '@fedplane/messaging';
import { createFakeClock } from '@fedplane/testkit';
import type { Subscription } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HMAC_FAILURE_BODY } from '../../services/approvals/src/adapters/http/auth.js';
import { insertPending } from '../../services/approvals/src/adapters/pg-pending.js';
import { handleRequest } from '../../services/approvals/src/shell/handle-request.js';
import {
  API_KEY,
  eventually,
  getJson,
  postDecision,
  signedDecision,
  startInstance,
  startWorld,
  type ApprovalsWorld,
} from './approvals-fixtures.js';

/**
 * The approvals HTTP API against real NATS and Postgres: every case of test/vectors/hmac.json
 * through HTTP, the shared replay cache across two replicas, the one 401 body, 403/404/409,
 * quorum votes, remembered and configured rules, keyset pages, and the expiry sweeper.
 */

type Instance = Awaited<ReturnType<typeof startInstance>>;

const VECTORS = JSON.parse(
  readFileSync(fileURLToPath(new URL('../vectors/hmac.json', import.meta.url)), 'utf8'),
) as { cases: Record<string, unknown>[] };
const FAILURE_TEXT = JSON.stringify(HMAC_FAILURE_BODY);

let world: ApprovalsWorld;
let a: Instance;
let b: Instance;
const events: { subject: string; type: string; data: Record<string, unknown> }[] = [];
let eventSub: Subscription;

beforeAll(async () => {
  world = await startWorld();
  eventSub = world.bus.nc.subscribe('fed.evt.approval.>', {
    callback: (_err, msg) => {
      const parsed = parseEvent(msg.data);
      if (parsed.ok) {
        events.push({
          subject: msg.subject,
          type: parsed.value.type,
          data: parsed.value.data,
        });
      }
    },
  });
  a = await startInstance(world, { name: 'http-a' });
  b = await startInstance(world, { name: 'http-b' });
});

afterAll(async () => {
  eventSub?.unsubscribe();
  await a?.stop();
  await b?.stop();
  await world?.close();
});

function ask(req: Partial<ApprovalRequest> = {}) {
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

const hexBytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));

describe('test/vectors/hmac.json through HTTP', () => {
  it('every sign and verify case gives the vector outcome', async () => {
    const clock = createFakeClock(1_900_000_000_000);
    const bySecret = new Map<string | null, Instance>();
    const instanceFor = async (secret: string | null): Promise<Instance> => {
      const existing = bySecret.get(secret);
      if (existing !== undefined) return existing;
      const made = await startInstance(world, {
        name: `vec-${String(bySecret.size)}`,
        clock,
        hmacSecret: secret,
      });
      bySecret.set(secret, made);
      return made;
    };
    const failures = new Set<string>();
    try {
      for (const c of VECTORS.cases) {
        const id = c['pending_id'] as string;
        const sign = c['kind'] === 'sign';
        const secret = c['secret'] as string | null;
        const inst = await instanceFor(secret);
        clock.set(Number(sign ? c['timestamp'] : c['now']) * 1000);
        // A fresh server state per case: the row exists and is pending, the replay cache is empty.
        await world.pool.query('DELETE FROM pending_actions WHERE id = $1', [id]);
        await world.pool.query('TRUNCATE approval_hmac_replay');
        await insertPending(world.pool, {
          id,
          actionType: 'decommission_node',
          namespace: 'fleet/vectors',
          payload: {},
          requestedBy: 'svc/reconciler/r-1',
          requestedAtMs: clock.nowMs(),
          status: 'pending',
          decidedBy: null,
          decidedAtMs: null,
          approvers: { kind: 'any' },
          expiresAtMs: clock.nowMs() + 3_600_000,
          cause: null,
          remember: null,
        });
        const headers: Record<string, string> = { 'x-agent-id': 'ops/alice' };
        if (sign) {
          const expect_ = c['expect'] as Record<string, string>;
          headers['x-ai-memory-signature'] = expect_['signature'] ?? '';
          headers['x-ai-memory-timestamp'] = c['timestamp'] as string;
        } else {
          const h = c['headers'] as Record<string, string | null>;
          for (const [name, value] of Object.entries(h)) if (value !== null) headers[name] = value;
        }
        const res = await fetch(`${inst.url}/api/v1/approvals/${id}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: hexBytes(c['body_hex'] as string),
        });
        const text = await res.text();
        const ok = sign || (c['expect'] as Record<string, unknown>)['ok'] === true;
        if (ok) {
          expect(res.status, `${String(c['name'])}: ${text}`).toBe(200);
          const decision = (JSON.parse(c['body'] as string) as { decision: string }).decision;
          expect(JSON.parse(text)).toMatchObject(
            decision === 'approve' ? { approved: true, id } : { rejected: true, id },
          );
        } else {
          expect(res.status, String(c['name'])).toBe(401);
          failures.add(text);
        }
      }
      expect([...failures]).toEqual([FAILURE_TEXT]);
    } finally {
      for (const inst of bySecret.values()) await inst.stop();
    }
  });
});

describe('decisions', () => {
  it('the same signed request sent to two replicas succeeds once', async () => {
    const { pending_id: id } = await ask();
    const signed = signedDecision({ id, decider: 'ops/alice', decision: 'approve' });
    const [ra, rb] = await Promise.all([
      postDecision(a.url, id, signed),
      postDecision(b.url, id, signed),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 401]);
    const won = ra.status === 200 ? ra : rb;
    const lost = ra.status === 200 ? rb : ra;
    expect(won.body).toEqual({ approved: true, id, decided_by: 'ops/alice', remember: 'once' });
    expect(lost.text).toBe(FAILURE_TEXT);
    // A replay to either replica later is refused too.
    expect((await postDecision(a.url, id, signed)).text).toBe(FAILURE_TEXT);
    await eventually(
      () => events.some((e) => e.type === 'approval.decided' && e.data['pending_id'] === id),
      5_000,
      'decided event',
    );
    const decided = events.find(
      (e) => e.type === 'approval.decided' && e.data['pending_id'] === id,
    );
    expect(decided?.subject).toBe(`fed.evt.approval.decided.${id}`);
    expect(decided?.data).toMatchObject({ decision: 'approve', decider: 'ops/alice' });
  });

  it('stale, future, wrong id, wrong body, wrong secret: 401 with one identical body', async () => {
    const { pending_id: id } = await ask();
    const { pending_id: other } = await ask();
    const nowS = Math.floor(Date.now() / 1000);
    const base = { id, decider: 'ops/alice', decision: 'approve' } as const;
    const attempts = [
      signedDecision({ ...base, nowS: nowS - 301 }),
      signedDecision({ ...base, nowS: nowS + 61 }),
      signedDecision({ ...base, id: other }),
      { ...signedDecision(base), body: '{"decision":"deny"}' },
      signedDecision({ ...base, secret: 'another-secret-0123456789' }),
      { body: '{"decision":"approve"}', headers: { 'x-agent-id': 'ops/alice' } },
    ];
    for (const signed of attempts) {
      const res = await postDecision(a.url, id, signed);
      expect(res.status).toBe(401);
      expect(res.text).toBe(FAILURE_TEXT);
    }
    const view = await getJson(a.url, `/api/v1/pending/${id}`);
    expect(view.body['status']).toBe('pending');
  });

  it('self-approval 403, unknown 404, already decided 409, bad decider 400', async () => {
    const { pending_id: id } = await ask();
    const self = signedDecision({ id, decider: 'svc/reconciler/r-1', decision: 'approve' });
    const refused = await postDecision(a.url, id, self);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'FORBIDDEN', reason: 'self_approval' });
    const unknown = '0190f3a2-0000-7000-8000-000000000000';
    const missing = await postDecision(
      a.url,
      unknown,
      signedDecision({ id: unknown, decider: 'ops/alice', decision: 'approve' }),
    );
    expect(missing.status).toBe(404);
    const badDecider = await postDecision(
      a.url,
      id,
      signedDecision({ id, decider: '../x', decision: 'approve' }),
    );
    expect(badDecider.status).toBe(400);
    const deny = await postDecision(
      b.url,
      id,
      signedDecision({ id, decider: 'ops/bob', decision: 'deny' }),
    );
    expect(deny.body).toEqual({ rejected: true, id, decided_by: 'ops/bob', remember: 'once' });
    const again = await postDecision(
      a.url,
      id,
      signedDecision({ id, decider: 'ops/alice', decision: 'approve' }),
    );
    expect(again.status).toBe(409);
    expect(again.body['error']).toBe('CONFLICT');
  });

  it('quorum: distinct voters count once, the quorum approves', async () => {
    const { pending_id: id } = await ask({ approvers: { kind: 'quorum', quorum: 2 } });
    const vote = (decider: string) =>
      postDecision(a.url, id, signedDecision({ id, decider, decision: 'approve' }));
    expect((await vote('ops/alice')).body).toEqual({
      approved: false,
      status: 'pending',
      id,
      votes: 1,
      quorum: 2,
      remember: 'once',
    });
    expect((await vote('OPS/ALICE')).body).toMatchObject({ votes: 1, status: 'pending' });
    expect((await vote('ops/bob')).body).toMatchObject({ approved: true, decided_by: 'ops/bob' });
    const view = PendingActionViewSchema.parse(
      (await getJson(a.url, `/api/v1/pending/${id}`)).body,
    );
    expect(view.status).toBe('approved');
    expect(view.approvals.map((v) => v.agent_id)).toEqual(['ops/alice', 'ops/bob']);
  });

  it('a named approver alone decides', async () => {
    const { pending_id: id } = await ask({ approvers: { kind: 'agent', agent_id: 'ops/carol' } });
    const other = await postDecision(
      a.url,
      id,
      signedDecision({ id, decider: 'ops/alice', decision: 'approve' }),
    );
    expect(other.status).toBe(403);
    const carol = await postDecision(
      a.url,
      id,
      signedDecision({ id, decider: 'ops/carol', decision: 'approve' }),
    );
    expect(carol.body).toMatchObject({ approved: true });
  });
});

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
