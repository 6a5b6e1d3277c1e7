import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ApprovalRequestReplySchema, parseEvent } from '@fedplane/core';
import { FixedSubject, request } from '@fedplane/messaging';
import { TEST_SERVICE_SECRET, findFreePorts } from '@fedplane/testkit';
import type { Subscription } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  HMAC_SECRET,
  eventually,
  postDecision,
  signedDecision,
  startWorld,
  type ApprovalsWorld,
} from './approvals-fixtures.js';
import { openStream } from './approvals-sse-client.js';
import { expectVerifiedReadyStatus } from './service-status-check.js';

/**
 * Two approvals replicas as real processes (`services/approvals/src/main.ts`, configured only by
 * environment) on one NATS and one Postgres: the same signed decision sent to both succeeds once;
 * a decision on one reaches an SSE subscriber of the other; and `remember=forever` still decides
 * the next matching request after every instance was restarted.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = 'services/approvals/src/main.ts';

/** One replica: node itself with tsx's loader (no tsx CLI wrapper between it and the signal). */
type Replica = {
  readonly name: string;
  readonly output: () => string;
  start(): void;
  /** Resolves once `approvals ready` was logged since the last start. */
  ready(timeoutMs: number): Promise<void>;
  /** SIGTERM; resolves with the exit code (SIGKILL after `graceMs`, then null). */
  stop(graceMs: number): Promise<number | null>;
};

let world: ApprovalsWorld;
let replicas: Replica[] = [];
let urls: string[] = [];
const decided: Record<string, unknown>[] = [];
let sub: Subscription;
let startedMs = 0;

function replica(name: string, port: number): Replica {
  const env = {
    PATH: process.env['PATH'] ?? '',
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
  };
  let child: ChildProcess | undefined;
  let out = '';
  let since = 0;
  return {
    name,
    output: () => out,
    start() {
      since = out.length;
      child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@fedplane/source', MAIN], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    },
    ready: (timeoutMs) =>
      eventually(
        () => out.slice(since).includes('"msg":"approvals ready"'),
        timeoutMs,
        `${name} ready`,
      ),
    stop(graceMs) {
      const current = child;
      if (current === undefined || current.exitCode !== null || current.signalCode !== null) {
        return Promise.resolve(current?.exitCode ?? null);
      }
      return new Promise((resolve) => {
        const timer = setTimeout(() => current.kill('SIGKILL'), graceMs);
        current.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
        current.kill('SIGTERM');
      });
    },
  };
}

async function startAll(): Promise<void> {
  for (const r of replicas) r.start();
  await Promise.all(replicas.map((r) => r.ready(40_000)));
}

beforeAll(async () => {
  world = await startWorld();
  const ports = await findFreePorts(2);
  replicas = ports.map((port, i) => replica(`proc-${String(i + 1)}`, port));
  urls = ports.map((port) => `http://127.0.0.1:${String(port)}`);
  sub = world.bus.nc.subscribe('fed.evt.approval.decided.>', {
    callback: (_err, msg) => {
      const parsed = parseEvent(msg.data);
      if (parsed.ok) decided.push(parsed.value.data);
    },
  });
  startedMs = Date.now();
  await startAll();
});

afterAll(async () => {
  sub?.unsubscribe();
  await Promise.all(replicas.map((r) => r.stop(5_000)));
  await world?.close();
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

async function verifiedReadyStatus(instance: string, sinceMs: number): Promise<void> {
  const body = await expectVerifiedReadyStatus({
    jsm: world.bus.jsm,
    trust: world.trust,
    service: 'approvals',
    instance,
    sinceMs,
  });
  expect(body.agent_version).toBe('0.1.0');
}

describe('approvals replicas as processes', () => {
  it('each replica publishes its signed instance status on fed.status.svc.approvals.<instance>', async () => {
    for (const r of replicas) await verifiedReadyStatus(r.name, startedMs);
  });

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
    // SIGTERM: each drains (open SSE streams included) and exits 0 within the grace period.
    expect(await Promise.all(replicas.map((r) => r.stop(8_000)))).toEqual([0, 0]);
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
