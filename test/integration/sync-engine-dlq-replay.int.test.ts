import {
  ApprovalRequestSchema,
  fromUtf8,
  utf8,
  type PeerScope,
  type PendingActionView,
} from '@fedplane/core';
import {
  FixedSubject,
  StreamName,
  eventSubject,
  newEventStamp,
  publishEvent,
  publishSigned,
  syncRecordSubject,
} from '@fedplane/messaging';
import type { Subscription } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../packages/cli/src/args.js';
import type { CliIo } from '../../packages/cli/src/io.js';
import {
  createSyncDlqListCommand,
  createSyncDlqReplayCommand,
} from '../../packages/cli/src/commands/sync-dlq.js';
import { canonicalJson } from '../../services/sync-gateway/src/core/canonical-json.js';
import {
  digest,
  eventually,
  makeNode,
  memory,
  readDlq,
  startSyncWorld,
  startTestGateway,
  type SyncWorld,
  type TestGateway,
  type TestNode,
} from './sync-fixtures.js';

const io: CliIo = {
  out: () => undefined,
  err: () => undefined,
  readText: () => '',
  nowS: () => Math.floor(Date.now() / 1000),
};

describe('sync engine: approved DLQ replay', () => {
  let world: SyncWorld;
  let a: TestGateway;
  let approvals: TestNode;
  let responder: Subscription;
  const scopes = new Map<string, PeerScope>([
    ['node-x', { allowedSenderAgentIds: [], allowedNamespaces: ['ok/**'] }],
  ]);
  const pending = new Map<string, PendingActionView>();

  beforeAll(async () => {
    world = await startSyncWorld();
    a = await startTestGateway(world, makeNode(world, 'node-a'), { scopes });
    approvals = makeNode(world, 'svc/approvals/t1');
    // A small stand-in for the approvals service: request → pending, get → the pending view.
    responder = world.bus.nc.subscribe('fed.approvals.*', {
      callback: (_err, msg) => {
        const body = JSON.parse(fromUtf8(msg.data) ?? '{}') as Record<string, unknown>;
        if (msg.subject === FixedSubject.approvalsRequest) {
          const req = ApprovalRequestSchema.parse(body);
          const id = `01J${String(pending.size).padStart(23, '0')}`;
          const now = new Date().toISOString();
          pending.set(id, {
            id,
            action_type: req.action_type,
            namespace: req.namespace,
            payload: req.payload,
            requested_by: req.requested_by,
            requested_at: now,
            status: 'pending',
            approvers: { kind: 'any' },
            approvals: [],
            decided_by: null,
            decided_at: null,
            expires_at: now,
            cause: null,
          });
          msg.respond(utf8(JSON.stringify({ pending_id: id, status: 'pending' })));
        } else {
          msg.respond(utf8(JSON.stringify(pending.get(String(body['pending_id'])))));
        }
      },
    });
  }, 60_000);

  afterAll(async () => {
    responder?.unsubscribe();
    await a?.close();
    await world?.close();
  });

  const decide = (pendingId: string, decider: TestNode, decision: 'approve' | 'deny') =>
    publishEvent(world.bus.js, decider.signer, {
      ...newEventStamp(Date.now()),
      type: 'approval.decided',
      actor: decider.nodeId,
      subject: pendingId,
      data: {
        pending_id: pendingId,
        action_type: 'sync_dlq_replay',
        namespace: 'sync/node-a',
        requested_by: 'ops/alice',
        decision,
        decider: decider.nodeId,
        remember: 'once',
      },
    });

  it('lists entries, then re-applies the ones that now pass once the replay is approved', async () => {
    const x = makeNode(world, 'node-x');
    const publish = (record: Record<string, unknown>, msgId: string) =>
      publishSigned(world.bus.js, {
        subject: syncRecordSubject('node-x'),
        body: utf8(canonicalJson(record)),
        signer: x.signer,
        msgId,
      });
    await publish(memory('scoped-1', '2026-01-01T00:00:00Z', 'c', 'later/a'), 'x:1');
    await publish(memory('scoped-2', '2026-01-01T00:00:00Z', 'c', 'later/b'), 'x:2');
    await publish(
      { ...memory('bad-1', '2026-01-01T00:00:00Z', 'c', 'ok/a'), carried: '\u0000' },
      'x:3',
    );
    expect(await eventually(async () => (await readDlq(world, 'node-a')).length === 3)).toBe(true);
    expect(a.metrics.dlqDepth).toBe(3);

    const env = () => ({ NATS_URL: world.nats.url, FEDPLANE_AGENT_ID: 'ops/alice' });
    const listCmd = createSyncDlqListCommand({ env, cwd: () => world.dir });
    const listed = await listCmd.run(parseCommandArgs(['--node', 'node-a'], listCmd.options), io);
    expect(listed.exitCode).toBe(0);
    expect(listed.json).toMatchObject({ ok: true, count: 3 });
    expect(listed.text).toContain('out_of_scope');

    // The operator widens node-x's scope, then asks for a replay of the out_of_scope entries.
    scopes.set('node-x', { allowedSenderAgentIds: [], allowedNamespaces: ['ok/**', 'later/**'] });
    const replayCmd = createSyncDlqReplayCommand({ env, cwd: () => world.dir });
    const asked = await replayCmd.run(
      parseCommandArgs(['--node', 'node-a'], replayCmd.options),
      io,
    );
    expect(asked.exitCode).toBe(0);
    const pendingId = (asked.json as { pending_id: string }).pending_id;
    expect(pending.get(pendingId)?.payload).toEqual({ node_id: 'node-a' });

    // A decision signed by someone else than an approvals instance changes nothing.
    await decide(pendingId, x, 'approve');
    const replayed = world.bus.nc.subscribe(eventSubject('sync.dlq_replayed', 'node-a'), {
      max: 1,
    });
    await decide(pendingId, approvals, 'approve');
    const events: unknown[] = [];
    for await (const msg of replayed) events.push(JSON.parse(fromUtf8(msg.data) ?? '{}'));
    expect(events[0]).toMatchObject({
      type: 'sync.dlq_replayed',
      data: { pending_id: pendingId, replayed: 3, applied: 2, failed: 1, remaining: 1 },
    });
    const ids = (await digest(world, 'node-a')).map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['scoped-1', 'scoped-2']));
    expect(ids).not.toContain('bad-1');
    const left = await readDlq(world, 'node-a');
    expect(left.map((e) => `${e.class}:${e.record_id ?? ''}`)).toEqual(['invalid:bad-1']);
    expect(a.metrics.dlqDepth).toBe(1);
    const info = await world.bus.jsm.streams.info(StreamName.syncDlq);
    expect(info.state.messages).toBe(1);
  }, 45_000);

  it('a denied replay, or one for another node, re-applies nothing', async () => {
    const x = makeNode(world, 'node-x');
    await publishSigned(world.bus.js, {
      subject: syncRecordSubject('node-x'),
      body: utf8(canonicalJson(memory('scoped-3', '2026-01-01T00:00:00Z', 'c', 'more/a'))),
      signer: x.signer,
      msgId: 'x:4',
    });
    expect(await eventually(async () => (await readDlq(world, 'node-a')).length === 2)).toBe(true);
    // It would apply now: only an approved replay for node-a may apply it.
    scopes.set('node-x', { allowedSenderAgentIds: [], allowedNamespaces: ['**'] });
    const replayCmd = createSyncDlqReplayCommand({
      env: () => ({ NATS_URL: world.nats.url }),
      cwd: () => world.dir,
    });
    const asked = await replayCmd.run(
      parseCommandArgs(
        ['--node', 'node-a', '--class', 'out_of_scope', '--agent-id', 'ops/bob'],
        replayCmd.options,
      ),
      io,
    );
    const pendingId = (asked.json as { pending_id: string }).pending_id;
    expect(pending.get(pendingId)?.payload).toEqual({ node_id: 'node-a', class: 'out_of_scope' });
    await decide(pendingId, approvals, 'deny');
    const other = await replayCmd.run(
      parseCommandArgs(['--node', 'node-z', '--agent-id', 'ops/bob'], replayCmd.options),
      io,
    );
    await decide((other.json as { pending_id: string }).pending_id, approvals, 'approve');
    const changed = await eventually(
      async () => (await readDlq(world, 'node-a')).length !== 2,
      3_000,
    );
    expect(changed).toBe(false);
    // The same request approved: now it applies (class filter: the invalid entry is not touched).
    await decide(pendingId, approvals, 'approve');
    expect(
      await eventually(async () =>
        (await digest(world, 'node-a')).some((r) => r.id === 'scoped-3'),
      ),
    ).toBe(true);
    expect((await readDlq(world, 'node-a')).map((e) => e.record_id)).toEqual(['bad-1']);
  }, 30_000);
});
