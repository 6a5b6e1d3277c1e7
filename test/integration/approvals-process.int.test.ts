import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApprovalRequestReplySchema, parseEvent } from '@fedplane/core';
import { FixedSubject, request } from '@fedplane/messaging';
import { TEST_SERVICE_SECRET, findFreePorts } from '@fedplane/testkit';
import type { Subscription } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceProcess, stopAll, type ServiceProcess } from '../e2e/service-process.js';
import {
  API_KEY,
  HMAC_SECRET,
  eventually,
  openStream,
  postDecision,
  signedDecision,
  startWorld,
  type ApprovalsWorld,
} from './approvals-fixtures.js';

/**
 * Two approvals replicas as real processes (`services/approvals/src/main.ts`, configured only by
 * environment) on one NATS and one Postgres: the same signed decision sent to both succeeds once;
 * a decision on one reaches an SSE subscriber of the other; and `remember=forever` still decides
 * the next matching request after every instance was restarted.
 */

let world: ApprovalsWorld;
let dir = '';
let replicas: ServiceProcess[] = [];
let urls: string[] = [];
const decided: Record<string, unknown>[] = [];
let sub: Subscription;

function replica(name: string, port: number): ServiceProcess {
  return serviceProcess(
    {
      name,
      service: 'approvals',
      env: {
        NATS_URL: world.nats.url,
        DATABASE_URL: world.db.url,
        SERVICE_SECRET: TEST_SERVICE_SECRET,
        INSTANCE_ID: name,
        HTTP_PORT: String(port),
        APPROVALS_HTTP_HOST: '127.0.0.1',
        HEALTH_PORT: '0',
        HEALTH_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        APPROVALS_API_KEYS: API_KEY,
        APPROVALS_HMAC_SECRET: HMAC_SECRET,
        APPROVALS_LEASE_TTL: '3s',
        APPROVALS_SWEEP_INTERVAL: '1s',
      },
    },
    dir,
  );
}

async function startAll(): Promise<void> {
  const from = replicas.map((r) => r.lines.length);
  for (const r of replicas) r.start();
  await Promise.all(
    replicas.map((r, i) =>
      r.waitForLog((line) => line['msg'] === 'approvals ready', {
        timeoutMs: 40_000,
        fromIndex: from[i] ?? 0,
      }),
    ),
  );
}

beforeAll(async () => {
  world = await startWorld();
  dir = mkdtempSync(join(tmpdir(), 'fedplane-approvals-'));
  const ports = await findFreePorts(2);
  replicas = ports.map((port, i) => replica(`proc-${String(i + 1)}`, port));
  urls = ports.map((port) => `http://127.0.0.1:${String(port)}`);
  sub = world.bus.nc.subscribe('fed.evt.approval.decided.>', {
    callback: (_err, msg) => {
      const parsed = parseEvent(msg.data);
      if (parsed.ok) decided.push(parsed.value.data);
    },
  });
  await startAll();
});

afterAll(async () => {
  sub?.unsubscribe();
  await stopAll(replicas);
  await world?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ask = () =>
  request(
    world.bus.nc,
    FixedSubject.approvalsRequest,
    {
      action_type: 'issuer_key_rotate',
      namespace: 'fleet/proc',
      requested_by: 'svc/reconciler/r-proc',
      payload: {},
    },
    { schema: ApprovalRequestReplySchema, timeoutMs: 10_000 },
  );

describe('approvals replicas as processes', () => {
  it('one signed decision sent to both replicas succeeds once and reaches SSE on both', async () => {
    const [one = '', two = ''] = urls;
    const watcher = await openStream(two, 'svc/reconciler/r-proc');
    try {
      const { pending_id: id, status } = await ask();
      expect(status).toBe('pending');
      const signed = signedDecision({
        id,
        decider: 'ops/alice',
        decision: 'approve',
        remember: 'forever',
      });
      const results = await Promise.all([
        postDecision(one, id, signed),
        postDecision(two, id, signed),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
      await eventually(
        () =>
          watcher.frames.some((f) => f.event === 'approval_decided' && f.data['pending_id'] === id),
        10_000,
        'decision on the other replica',
      );
    } finally {
      watcher.close();
    }
  });

  it('remember=forever decides the next request after every instance restarted', async () => {
    await stopAll(replicas);
    for (const r of replicas) expect(r.running()).toBe(false);
    await startAll();
    const reply = await ask();
    expect(reply.status).toBe('approved');
    await eventually(
      () =>
        decided.some(
          (d) => d['pending_id'] === reply.pending_id && typeof d['rule_id'] === 'string',
        ),
      10_000,
      'decided event of the rule',
    );
  });
});
