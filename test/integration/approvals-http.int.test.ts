import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PendingActionViewSchema, type ApprovalRequest } from '@fedplane/core';
import { createFakeClock } from '@fedplane/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HMAC_FAILURE_BODY } from '../../services/approvals/src/adapters/http/auth.js';
import { insertPending } from '../../services/approvals/src/adapters/pg-pending.js';
import {
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
 * The approvals decision API against real NATS and Postgres: every case of
 * test/vectors/hmac.json through HTTP, the shared replay cache across two replicas, the one 401
 * body, 403/404/409, quorum votes and named approvers.
 */

type Instance = Awaited<ReturnType<typeof startInstance>>;

const VECTORS = JSON.parse(
  readFileSync(fileURLToPath(new URL('../vectors/hmac.json', import.meta.url)), 'utf8'),
) as { cases: Record<string, unknown>[] };
const FAILURE_TEXT = JSON.stringify(HMAC_FAILURE_BODY);

let world: ApprovalsWorld;
let a: Instance;
let b: Instance;
let recorder: ReturnType<typeof recordEvents>;
let events: SeenEvent[] = [];

beforeAll(async () => {
  world = await startWorld();
  recorder = recordEvents(world);
  events = recorder.events;
  a = await startInstance(world, { name: 'http-a' });
  b = await startInstance(world, { name: 'http-b' });
});

afterAll(async () => {
  recorder?.stop();
  await a?.stop();
  await b?.stop();
  await world?.close();
});

const ask = (req: Partial<ApprovalRequest> = {}) => askApproval(world, req);

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
