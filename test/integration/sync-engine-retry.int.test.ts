import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8, validateSyncRecord } from '@fedplane/core';
import { recordMsgId, toVersion } from '../../services/sync-gateway/src/core/record-version.js';
import { FedHeader, StreamName, signedHeaders, syncRecordSubject } from '@fedplane/messaging';
import {
  makeNode,
  memory,
  pushBody,
  startSyncWorld,
  startTestGateway,
  type SyncWorld,
  type TestGateway,
  type TestNode,
} from './sync-fixtures.js';

const sender = { peerId: 'client', verified: true };

/**
 * A retried identical push is a stream duplicate no peer receives again: it must answer from the
 * verified acks already recorded for its msg ids (including acks that arrived after the first
 * push gave up), counting only distinct verified node identities.
 */
describe('sync engine: retried pushes answer from recorded quorum acks', () => {
  let world: SyncWorld;
  let a: TestGateway;
  let b: TestGateway;
  let nodeB: TestNode;
  let nodeC: TestNode;

  beforeAll(async () => {
    world = await startSyncWorld();
    a = await startTestGateway(world, makeNode(world, 'node-a'), { quorum: 2, timeoutMs: 30_000 });
    nodeB = makeNode(world, 'node-b');
    nodeC = makeNode(world, 'node-c');
    b = await startTestGateway(world, nodeB, { quorum: 2, timeoutMs: 30_000 });
  }, 60_000);

  afterAll(async () => {
    for (const g of [a, b]) await g?.close();
    await world?.close();
  });

  it('a retry of replicated records meets quorum again without waiting for the timeout', async () => {
    const body = pushBody('client', [
      memory('r-1', '2026-05-01T00:00:00.000Z'),
      memory('r-2', '2026-05-01T00:00:00.000Z'),
    ]);
    const first = await a.engine.push(body as never, sender);
    expect(first.kind).toBe('quorum_met');
    // The retry's publishes are stream duplicates: only the recorded acks can make its quorum
    // (a timeout of 30 s against the test's 20 s bound).
    const retry = await a.engine.push(body as never, sender);
    expect(retry.kind).toBe('quorum_met');
    if (retry.kind !== 'quorum_met') return;
    expect(retry.report.quorum).toEqual({ needed: 2, got: 2, acked_by: ['node-a', 'node-b'] });
  }, 20_000);

  it('a retry counts a late batched ack signed by a third node, never a forged one', async () => {
    const w = await startTestGateway(world, makeNode(world, 'node-w'), {
      quorum: 4,
      timeoutMs: 1_500,
    });
    try {
      const records = [
        memory('l-1', '2026-05-03T00:00:00.000Z'),
        memory('l-2', '2026-05-03T00:00:00.000Z'),
      ];
      const body = pushBody('client', records);
      const first = await w.engine.push(body as never, sender);
      // node-w + node-a + node-b; node-c has no gateway: 3 of 4.
      expect(first).toMatchObject({ kind: 'quorum_not_met', body: { needed: 4, got: 3 } });
      const stored = await world.bus.jsm.streams.getMessage(StreamName.sync, {
        last_by_subj: syncRecordSubject('node-w'),
      });
      const inbox = stored?.header.get(FedHeader.AckInbox) ?? '';
      expect(inbox).not.toBe('');
      const msgIds = records.map((record) => {
        const checked = validateSyncRecord(record);
        if (!checked.ok || checked.kind !== 'memory') throw new Error('fixture record invalid');
        const version = toVersion({ kind: 'memory', record: checked.record }, 'node-w');
        if (version === undefined) throw new Error('fixture record has no version');
        return recordMsgId(version);
      });
      const ack = (nodeId: string) =>
        utf8(JSON.stringify({ msg_ids: msgIds, node_id: nodeId, at: new Date().toISOString() }));
      // Forged: node-b's credential claiming to be node-c. Never counts.
      const forged = ack('node-c');
      world.bus.nc.publish(inbox, forged, { headers: signedHeaders(nodeB.signer, forged) });
      await world.bus.nc.flush();
      const stillShort = await w.engine.push(body as never, sender);
      expect(stillShort).toMatchObject({ kind: 'quorum_not_met', body: { needed: 4, got: 3 } });
      // Late but genuine: node-c's own signature, one batched ack for both records.
      const genuine = ack('node-c');
      world.bus.nc.publish(inbox, genuine, { headers: signedHeaders(nodeC.signer, genuine) });
      await world.bus.nc.flush();
      const retry = await w.engine.push(body as never, sender);
      expect(retry.kind).toBe('quorum_met');
      if (retry.kind !== 'quorum_met') return;
      expect(retry.report.quorum).toEqual({
        needed: 4,
        got: 4,
        acked_by: ['node-w', 'node-a', 'node-b', 'node-c'],
      });
    } finally {
      await w.close();
    }
  }, 30_000);
});
