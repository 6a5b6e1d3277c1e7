import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, utf8, type Posture, type VerifierBundle } from '@fedplane/core';
import type { KV } from '@nats-io/kv';
import {
  KvKey,
  connectBus,
  getEntry,
  seedCredentialSigner,
  signKvEnvelope,
  watchPosture,
  writePosture,
  type Bus,
  type PostureView,
  type PostureWatch,
} from '@fedplane/messaging';
import { startNatsServer, systemClock, type NatsServerHandle } from '@fedplane/testkit';
import {
  NODE_SEED,
  ROOT_SEED,
  eventually,
  issue,
  nodeSigner,
  recordingLog,
  verifier,
} from './messaging-fixtures.js';

let server: NatsServerHandle;
let bus: Bus;
let bucketSeq = 0;
const watches: PostureWatch[] = [];

beforeAll(async () => {
  server = await startNatsServer({ useNatsUrl: false });
  bus = await connectBus({ servers: server.url, name: 'posture-int', log: recordingLog().log });
});
afterAll(async () => {
  await Promise.all(watches.map((w) => w.stop()));
  await bus.close();
  await server.stop();
});

/** A fresh enforcement-like bucket per test, so tests cannot see each other's writes. */
async function freshBucket(): Promise<KV> {
  bucketSeq += 1;
  return bus.kvm.create(`fed-enforcement-t${bucketSeq}`, { history: 5 });
}

function reconcilerSigner(agentId = 'svc/reconciler/r-1') {
  const credential = issue([ROOT_SEED, 'root'], agentId);
  return seedCredentialSigner({ agentId, seed: NODE_SEED, credential: () => credential.header });
}

function posture(requireSig: boolean, revision: number): Posture {
  return {
    require_sig: requireSig,
    revision,
    decided_at: '2026-11-22T14:03:07.123Z',
    evidence: requireSig
      ? [
          {
            node_id: 'region/nyc/node-1',
            credential_id: 'ab'.repeat(32),
            not_after: 2_000_000_000,
            status_at: '2026-11-22T14:03:06.000Z',
          },
        ]
      : [],
  };
}

function start(
  kv: KV,
  trust: { current(): VerifierBundle | undefined } = { current: verifier },
): { watch: PostureWatch; rec: ReturnType<typeof recordingLog>; changes: PostureView[] } {
  const rec = recordingLog();
  const watch = watchPosture(kv, { trust, clock: systemClock, log: rec.log });
  watches.push(watch);
  const changes: PostureView[] = [];
  watch.onChange((v) => changes.push(v));
  return { watch, rec, changes };
}

describe('watchPosture / writePosture', () => {
  it('absent key is permissive; a signed write is seen live with its signer and revisions', async () => {
    const kv = await freshBucket();
    const { watch, changes } = start(kv);
    await watch.ready;
    expect(watch.current()).toEqual({ posture: undefined, kvRevision: 0, latestKvRevision: 0 });

    const written = await writePosture(kv, {
      posture: posture(true, 1),
      signer: reconcilerSigner(),
      expectedKvRevision: 0,
    });
    expect(written.ok).toBe(true);
    await eventually(() => watch.current().posture !== undefined);
    const view = watch.current();
    expect(view.posture).toEqual(posture(true, 1));
    expect(view.signer).toBe('svc/reconciler/r-1');
    expect(view.kvRevision).toBe(written.ok ? written.revision : -1);
    expect(view.latestKvRevision).toBe(view.kvRevision);
    expect(changes.at(-1)?.posture?.require_sig).toBe(true);
  });

  it('compare-and-set: a stale expected revision conflicts and changes nothing', async () => {
    const kv = await freshBucket();
    const signer = reconcilerSigner();
    const first = await writePosture(kv, {
      posture: posture(true, 1),
      signer,
      expectedKvRevision: 0,
    });
    if (!first.ok) throw new Error('first write failed');
    const again = await writePosture(kv, {
      posture: posture(false, 2),
      signer,
      expectedKvRevision: 0,
    });
    expect(again).toEqual({ ok: false, conflict: true });
    const stale = await writePosture(kv, {
      posture: posture(false, 2),
      signer,
      expectedKvRevision: first.revision + 7,
    });
    expect(stale).toEqual({ ok: false, conflict: true });
    expect((await getEntry(kv, KvKey.posture))?.revision).toBe(first.revision);
    const next = await writePosture(kv, {
      posture: posture(false, 2),
      signer,
      expectedKvRevision: first.revision,
    });
    expect(next.ok).toBe(true);
  });

  it('refuses to write an invalid posture or with a non-reconciler signer', async () => {
    const kv = await freshBucket();
    const bad = { ...posture(true, 1), revision: -1 };
    await expect(
      writePosture(kv, { posture: bad, signer: reconcilerSigner(), expectedKvRevision: 0 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      writePosture(kv, { posture: posture(true, 1), signer: nodeSigner(), expectedKvRevision: 0 }),
    ).rejects.toBeInstanceOf(AppError);
    expect(await getEntry(kv, KvKey.posture)).toBeUndefined();
  });

  it('ignores forged, garbage, non-reconciler, replayed values and deletes; keeps the last valid', async () => {
    const kv = await freshBucket();
    const signer = reconcilerSigner();
    const { watch, rec } = start(kv);
    const w1 = await writePosture(kv, { posture: posture(true, 3), signer, expectedKvRevision: 0 });
    if (!w1.ok) throw new Error('write failed');
    await eventually(() => watch.current().kvRevision === w1.revision);

    // Signed by a node identity (valid credential, wrong role).
    const byNode = signKvEnvelope(utf8(JSON.stringify(posture(false, 4))), nodeSigner());
    // A valid envelope whose body was swapped afterwards (signature no longer covers it).
    const genuine = JSON.parse(
      signKvEnvelope(utf8(JSON.stringify(posture(true, 5))), signer),
    ) as Record<string, string>;
    const forged = JSON.stringify({
      ...genuine,
      body: Buffer.from(JSON.stringify(posture(false, 5))).toString('base64'),
    });
    // A genuine older decision replayed (lower posture revision).
    const replay = signKvEnvelope(utf8(JSON.stringify(posture(false, 2))), signer);
    // A reconciler-signed body that is not a posture.
    const notPosture = signKvEnvelope(utf8(JSON.stringify({ require_sig: false })), signer);

    const revisions: number[] = [];
    for (const value of [byNode, forged, 'not json', replay, notPosture]) {
      revisions.push(await kv.put(KvKey.posture, value));
    }
    await kv.delete(KvKey.posture);
    const last = (await kv.get(KvKey.posture))?.revision ?? -1;
    await eventually(() => watch.current().latestKvRevision === last);

    const view = watch.current();
    expect(view.posture).toEqual(posture(true, 3));
    expect(view.kvRevision).toBe(w1.revision);
    const refused = rec.lines.filter((l) => l.msg === 'posture value refused, ignored');
    expect(refused.map((l) => (l.obj as { revision: number }).revision)).toEqual(revisions);
    const tags = refused.map((l) => (l.obj as { refusal: { tag: string } }).refusal.tag);
    expect(tags).toEqual([
      'signer_not_reconciler',
      'envelope_invalid_signature',
      'envelope_malformed',
      'revision_replayed',
      'body_invalid',
    ]);
    expect(rec.lines.some((l) => l.msg === 'posture deletion ignored')).toBe(true);

    // A CAS writer names the latest revision (the delete marker) and loosens for real.
    const loosen = await writePosture(kv, {
      posture: posture(false, 4),
      signer,
      expectedKvRevision: view.latestKvRevision,
    });
    expect(loosen.ok).toBe(true);
    await eventually(() => watch.current().posture?.require_sig === false);
  });

  it('a value present at start is read; one refused without a bundle is accepted once it arrives', async () => {
    const kv = await freshBucket();
    await writePosture(kv, {
      posture: posture(true, 1),
      signer: reconcilerSigner(),
      expectedKvRevision: 0,
    });
    const held: { bundle?: VerifierBundle } = {};
    const { watch, rec } = start(kv, { current: () => held.bundle });
    await watch.ready;
    await eventually(() => watch.current().latestKvRevision > 0);
    expect(watch.current().posture).toBeUndefined();
    expect(
      rec.lines.some(
        (l) => (l.obj as { refusal?: { tag: string } }).refusal?.tag === 'no_trust_bundle',
      ),
    ).toBe(true);
    held.bundle = verifier();
    expect(watch.current().posture).toEqual(posture(true, 1));

    // A second watcher that has the bundle from the start reads it at once.
    const { watch: second } = start(kv);
    await second.ready;
    expect(second.current().posture).toEqual(posture(true, 1));
  });

  it('stop is idempotent and ends onChange delivery', async () => {
    const kv = await freshBucket();
    const { watch, changes } = start(kv);
    await watch.ready;
    await watch.stop();
    await watch.stop();
    await writePosture(kv, {
      posture: posture(true, 1),
      signer: reconcilerSigner(),
      expectedKvRevision: 0,
    });
    // A live watcher sees the write; the stopped one must not have.
    const { watch: live } = start(kv);
    await eventually(() => live.current().posture !== undefined);
    expect(changes).toEqual([]);
  });
});
