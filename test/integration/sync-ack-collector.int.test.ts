import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '@fedplane/core';
import { signedHeaders } from '@fedplane/messaging';
import {
  HELD_PER_MSG_ID,
  startAckCollector,
  type AckCollector,
} from '../../services/sync-gateway/src/shell/ack-collector.js';
import {
  createOriginVerifier,
  type OriginVerifier,
} from '../../services/sync-gateway/src/shell/origin-verifier.js';
import {
  SYNC_SILENT,
  makeNode,
  startSyncWorld,
  type SyncWorld,
  type TestNode,
} from './sync-fixtures.js';

/**
 * The ack collector verifies a quorum ack only when a push still waits on one of its msg ids:
 * surplus acks (after the push met its quorum) cost no Ed25519 verify until a retried push tracks
 * the same msg ids, and even then count only when genuine. Real NATS, a real trust bundle; the
 * verifier is the gateway's own, wrapped to count its calls.
 */
/** A msg id of the sync.md shape `<node>:<id>:<content_hash>`. */
const id = (name: string): string => `ack-a:${name}:${'ab'.repeat(32)}`;

describe('sync ack collector: lazy verification of surplus acks', () => {
  let world: SyncWorld;
  let nodes: TestNode[];
  let collector: AckCollector;
  let calls = 0;

  beforeAll(async () => {
    world = await startSyncWorld();
    nodes = ['ack-b', 'ack-c', 'ack-d'].map((id) => makeNode(world, id));
    const inner = createOriginVerifier(() => world.trust.current());
    const counting: OriginVerifier = {
      check: (headers, body, nowS) => inner.check(headers, body, nowS),
      verify: (headers, body, nowS) => {
        calls += 1;
        return inner.verify(headers, body, nowS);
      },
    };
    collector = startAckCollector({
      nc: world.bus.nc,
      verifier: counting,
      nowS: () => Math.floor(Date.now() / 1000),
      log: SYNC_SILENT,
    });
  }, 60_000);

  afterAll(async () => {
    collector?.close();
    await world?.close();
  });

  const send = async (signer: TestNode, claimed: string, msgIds: readonly string[]) => {
    const body = utf8(
      JSON.stringify(
        msgIds.length === 1
          ? { msg_id: msgIds[0], node_id: claimed, at: new Date().toISOString() }
          : { msg_ids: msgIds, node_id: claimed, at: new Date().toISOString() },
      ),
    );
    world.bus.nc.publish(collector.inbox, body, { headers: signedHeaders(signer.signer, body) });
    await world.bus.nc.flush();
    // The collector's subscription shares the connection: one more round trip lets it run.
    await world.bus.nc.flush();
  };
  const node = (i: number) => (): TestNode => {
    const found = nodes[i];
    if (found === undefined) throw new Error('fixture node missing');
    return found;
  };
  const [b, c, d] = [node(0), node(1), node(2)];

  it('verifies an ack a push waits on, and counts it', async () => {
    calls = 0;
    const tracking = collector.track([id('m-1')]);
    const changed = tracking.changed();
    await send(b(), 'ack-b', [id('m-1')]);
    await changed;
    expect(calls).toBe(1);
    expect([...(tracking.acks.get(id('m-1')) ?? [])]).toEqual(['ack-b']);
    tracking.done();
  });

  it('holds surplus acks unverified; a retry verifies them and counts only genuine ones', async () => {
    calls = 0;
    const first = collector.track([id('m-2'), id('m-3')]);
    first.done();
    await send(c(), 'ack-c', [id('m-2'), id('m-3')]);
    // node-b's key claiming node-d: forged.
    await send(b(), 'ack-d', [id('m-2'), id('m-3')]);
    expect(calls).toBe(0);
    const retry = collector.track([id('m-2'), id('m-3')]);
    // One verify per held ack (a batched ack is verified once for both msg ids).
    expect(calls).toBe(2);
    expect([...(retry.acks.get(id('m-2')) ?? [])]).toEqual(['ack-c']);
    expect([...(retry.acks.get(id('m-3')) ?? [])]).toEqual(['ack-c']);
    expect(collector.refused()).toBe(1);
    retry.done();
    // A second retry reuses the outcome: no further verify.
    const again = collector.track([id('m-2')]);
    expect(calls).toBe(2);
    expect([...(again.acks.get(id('m-2')) ?? [])]).toEqual(['ack-c']);
    again.done();
  });

  it('ignores acks for msg ids no push ever tracked, and bounds what it holds', async () => {
    calls = 0;
    await send(d(), 'ack-d', [id('never-tracked')]);
    const probe = collector.track([id('never-tracked')]);
    expect(calls).toBe(0);
    expect(probe.acks.get(id('never-tracked'))).toBeUndefined();
    probe.done();
    const tracked = collector.track([id('m-4')]);
    tracked.done();
    for (let i = 0; i < HELD_PER_MSG_ID + 3; i += 1) await send(d(), 'ack-d', [id('m-4')]);
    const retry = collector.track([id('m-4')]);
    expect(calls).toBe(HELD_PER_MSG_ID);
    expect([...(retry.acks.get(id('m-4')) ?? [])]).toEqual(['ack-d']);
    retry.done();
  });
});
