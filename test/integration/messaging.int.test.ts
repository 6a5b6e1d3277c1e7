import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppError,
  formatEd25519Header,
  publicKeyFromSeed,
  utf8,
  type TrustBundle,
} from '@fedplane/core';
import type { KV } from '@nats-io/kv';
import { headers } from '@nats-io/nats-core';
import {
  BucketName,
  FedHeader,
  KvKey,
  StreamName,
  auditorConsumer,
  connectBus,
  createIfAbsent,
  deleteIfRevision,
  ensureConsumer,
  ensureKv,
  ensureStreams,
  fedBuckets,
  fedStreams,
  getEntry,
  newEventStamp,
  nodeStatusSubject,
  syncRecordSubject,
  publishEvent,
  publishSigned,
  signKvEnvelope,
  signedHeaders,
  updateIfRevision,
  verifyEventMessage,
  verifyKvEnvelope,
  verifySignedMessage,
  watchTrustBundle,
  type Bus,
  type EventInput,
} from '@fedplane/messaging';
import { startNatsServer, type NatsServerHandle } from '@fedplane/testkit';
import {
  NEXT_SEED,
  bundleV1,
  bundleWith,
  chainedSigner,
  eventually,
  issuerSigner,
  nodeSigner,
  nowS,
  recordingLog,
  verifier,
} from './messaging-fixtures.js';

let server: NatsServerHandle;
let bus: Bus;
const busLog = recordingLog();

beforeAll(async () => {
  server = await startNatsServer({ useNatsUrl: false });
  bus = await connectBus({ servers: server.url, name: 'messaging-int', log: busLog.log });
  await ensureStreams(bus.jsm, fedStreams());
  await ensureKv(bus.jsm, fedBuckets());
  await ensureConsumer(bus.jsm, auditorConsumer());
});
afterAll(async () => {
  await bus.close();
  await server.stop();
});

function event(overrides: Partial<EventInput> = {}): EventInput {
  return {
    ...newEventStamp(),
    type: 'test.published',
    actor: 'region/nyc/node-1',
    subject: 'host:a.b',
    data: { n: 1 },
    ...overrides,
  };
}

async function stored(seq: number) {
  const msg = await bus.jsm.streams.getMessage(StreamName.events, { seq });
  if (msg === null) throw new Error(`no message ${seq}`);
  return msg;
}

describe('connectBus', () => {
  it('logs the connection and closes idempotently with drain', async () => {
    const { lines, log } = recordingLog();
    const other = await connectBus({ servers: [server.url], name: 'closer', log });
    expect(lines.some((l) => l.msg === 'nats connected')).toBe(true);
    await Promise.all([other.close(), other.close()]);
    expect(other.nc.isClosed()).toBe(true);
    await other.close();
  });

  it('rejects when no server answers', async () => {
    const { log } = recordingLog();
    await expect(
      connectBus({
        servers: 'nats://127.0.0.1:1',
        name: 'nobody',
        log,
        connection: { timeout: 500 },
      }),
    ).rejects.toThrow();
  });
});

describe('signed events', () => {
  it('publishEvent → FED_EVENTS → credential_signed, with the exact headers', async () => {
    const signer = nodeSigner();
    const input = event();
    const published = await publishEvent(bus.js, signer, input);
    expect(published.subject).toBe('fed.evt.test.published.host:a%2Eb');
    expect(published.ack.stream).toBe('FED_EVENTS');
    expect(published.ack.duplicate).toBe(false);

    const msg = await stored(published.ack.seq);
    expect(msg.subject).toBe(published.subject);
    expect(msg.data).toEqual(published.body);
    expect(msg.header.get(FedHeader.MsgId)).toBe(input.id);
    expect(msg.header.get(FedHeader.Credential)).toBe(signer.credential());
    expect(msg.header.get(FedHeader.Signature)).toMatch(/^ed25519=/);
    expect(msg.header.has(FedHeader.Issuer)).toBe(false);

    const got = verifySignedMessage({
      headers: msg.header,
      body: msg.data,
      bundle: verifier(),
      nowS: nowS(),
    });
    expect(got).toMatchObject({ attest_level: 'credential_signed', signer: 'region/nyc/node-1' });
    const asEvent = verifyEventMessage({
      headers: msg.header,
      body: msg.data,
      bundle: verifier(),
      nowS: nowS(),
    });
    expect(asEvent.event.ok && asEvent.event.value.id).toBe(input.id);
    expect(asEvent.attestation.attest_level).toBe('credential_signed');
  });

  it('the auditor consumer receives it with headers intact', async () => {
    const signer = chainedSigner();
    const published = await publishEvent(bus.js, signer, event({ actor: 'region/nyc/node-3' }));
    const consumer = await bus.js.consumers.get(StreamName.events, auditorConsumer().name);
    let found = false;
    while (!found) {
      const batch = await consumer.fetch({ max_messages: 100, expires: 1_000 });
      for await (const m of batch) {
        m.ack();
        if (m.seq !== published.ack.seq) continue;
        found = true;
        expect(m.headers?.get(FedHeader.CredentialChain)).toBe(signer.chain());
        const got = verifyEventMessage({
          headers: m.headers,
          body: m.data,
          bundle: verifier(),
          nowS: nowS(),
        });
        expect(got.attestation).toMatchObject({
          attest_level: 'credential_signed',
          signer: 'region/nyc/node-3',
        });
      }
    }
  });

  it('a tampered body is invalid_signature (bad_signature)', async () => {
    const signer = nodeSigner();
    const input = event();
    const body = utf8(JSON.stringify({ ...input }));
    const tampered = utf8(JSON.stringify({ ...input, data: { n: 2 } }));
    const ack = await bus.js.publish('fed.evt.test.published', tampered, {
      msgID: input.id,
      headers: signedHeaders(signer, body, input.id),
    });
    const msg = await stored(ack.seq);
    expect(
      verifyEventMessage({ headers: msg.header, body: msg.data, bundle: verifier(), nowS: nowS() })
        .attestation,
    ).toMatchObject({
      attest_level: 'invalid_signature',
      reason: 'bad_signature',
    });
  });

  it('an expired credential and an unknown issuer are invalid_signature with their tag', async () => {
    const published = await publishEvent(bus.js, nodeSigner(), event());
    const msg = await stored(published.ack.seq);
    expect(
      verifySignedMessage({
        headers: msg.header,
        body: msg.data,
        bundle: verifier(),
        nowS: nowS() + 7200,
      }),
    ).toMatchObject({
      attest_level: 'invalid_signature',
      reason: 'credential_expired',
    });
    const h = headers();
    h.set(FedHeader.Signature, formatEd25519Header(new Uint8Array(64)));
    h.set(FedHeader.Issuer, 'nobody');
    const ack = await bus.js.publish('fed.evt.test.published', msg.data, { headers: h });
    const forged = await stored(ack.seq);
    expect(
      verifySignedMessage({
        headers: forged.header,
        body: forged.data,
        bundle: verifier(),
        nowS: nowS(),
      }),
    ).toMatchObject({
      attest_level: 'invalid_signature',
      reason: 'unknown_issuer',
    });
  });

  it('issuer-signed events carry Fed-Issuer and verify as issuer_signed', async () => {
    const published = await publishEvent(
      bus.js,
      issuerSigner(),
      event({ actor: 'svc/issuer/i-1', type: 'test.rotated' }),
    );
    const msg = await stored(published.ack.seq);
    expect(msg.header.get(FedHeader.Issuer)).toBe('root');
    expect(msg.header.has(FedHeader.Credential)).toBe(false);
    expect(
      verifySignedMessage({
        headers: msg.header,
        body: msg.data,
        bundle: verifier(),
        nowS: nowS(),
      }),
    ).toMatchObject({
      attest_level: 'issuer_signed',
      issuer: 'root',
    });
  });

  it('a message without signing headers is unsigned', async () => {
    const ack = await bus.js.publish('fed.evt.test.published', utf8('{}'));
    const msg = await stored(ack.seq);
    expect(
      verifySignedMessage({
        headers: msg.header,
        body: msg.data,
        bundle: verifier(),
        nowS: nowS(),
      }),
    ).toEqual({
      attest_level: 'unsigned',
    });
    expect(
      verifySignedMessage({ headers: undefined, body: msg.data, bundle: verifier(), nowS: nowS() }),
    ).toEqual({
      attest_level: 'unsigned',
    });
  });

  it('a retry with the same id is deduplicated by Nats-Msg-Id', async () => {
    const signer = nodeSigner();
    const input = event();
    const before = (await bus.jsm.streams.info(StreamName.events)).state.messages;
    const first = await publishEvent(bus.js, signer, input);
    const retry = await publishEvent(bus.js, signer, input);
    expect(first.ack.duplicate).toBe(false);
    expect(retry.ack.duplicate).toBe(true);
    expect(retry.ack.seq).toBe(first.ack.seq);
    expect((await bus.jsm.streams.info(StreamName.events)).state.messages).toBe(before + 1);
  });

  it('refuses an event whose actor is not the signer, before publishing', async () => {
    const err = await publishEvent(
      bus.js,
      nodeSigner(),
      event({ actor: 'region/nyc/node-9' }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'actor_mismatch' } });
    const badSubject = await publishEvent(bus.js, nodeSigner(), event({ subject: 'a b' })).catch(
      (e: unknown) => e,
    );
    expect(badSubject).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('signed status keeps one message per subject in FED_STATUS', async () => {
    const signer = nodeSigner();
    const subject = nodeStatusSubject('region/nyc/node-1');
    for (const n of [1, 2, 3]) {
      await publishSigned(bus.js, {
        subject,
        body: utf8(`{"n":${n}}`),
        signer,
        msgId: `status-${n}`,
      });
    }
    const last = await bus.jsm.streams.getMessage(StreamName.status, { last_by_subj: subject });
    expect(last?.json()).toEqual({ n: 3 });
    expect((await bus.jsm.streams.info(StreamName.status)).state.messages).toBe(1);
    expect(
      verifySignedMessage({
        headers: last?.header,
        body: last?.data ?? new Uint8Array(),
        bundle: verifier(),
        nowS: nowS(),
      }),
    ).toMatchObject({
      attest_level: 'credential_signed',
    });
  });
});

describe('signed records with extra headers', () => {
  it('adds Fed-Ack-Inbox but never replaces a signing header', async () => {
    const signer = nodeSigner();
    const body = utf8('{"id":"r-1"}');
    const ack = await publishSigned(bus.js, {
      subject: syncRecordSubject('region/nyc/node-1'),
      body,
      signer,
      msgId: 'region/nyc/node-1:r-1:abc',
      extraHeaders: {
        [FedHeader.AckInbox]: '_INBOX.acks',
        [FedHeader.Signature]: 'ed25519=forged',
      },
    });
    expect(ack.stream).toBe(StreamName.sync);
    const msg = await bus.jsm.streams.getMessage(StreamName.sync, { seq: ack.seq });
    expect(msg?.header.get(FedHeader.AckInbox)).toBe('_INBOX.acks');
    expect(msg?.header.values(FedHeader.Signature)).toHaveLength(1);
    expect(
      verifySignedMessage({
        headers: msg?.header,
        body: msg?.data ?? new Uint8Array(),
        bundle: verifier(),
        nowS: nowS(),
        actor: 'region/nyc/node-1',
      }),
    ).toMatchObject({
      attest_level: 'credential_signed',
    });
  });
});

describe('trust bundle watch', () => {
  let trust: KV;
  beforeAll(async () => {
    trust = await bus.kvm.open(BucketName.trust);
  });

  const put = (bundle: TrustBundle | string) =>
    trust.put(KvKey.bundle, typeof bundle === 'string' ? bundle : JSON.stringify(bundle));

  it('loads, swaps live on a newer sequence, ignores older and invalid values', async () => {
    const v1 = bundleV1();
    await put(v1);
    const { lines, log } = recordingLog();
    const changes: number[] = [];
    const watch = watchTrustBundle(trust, { log, onChange: (b) => changes.push(b.sequence) });
    try {
      await watch.ready;
      expect(watch.bundle()?.sequence).toBe(1);
      expect(watch.current()?.keys.has('root')).toBe(true);
      expect(watch.current()?.keys.has('next-root')).toBe(false);

      await put(bundleWith(v1, 2, 'next-root'));
      await eventually(() => watch.bundle()?.sequence === 2);
      expect(watch.current()?.keys.get('next-root')).toEqual(publicKeyFromSeed(NEXT_SEED));

      await put(bundleWith(v1, 1));
      const garbage = await put('{"not":"a bundle"}');
      await put('not json');
      await eventually(
        () => lines.filter((l) => l.msg === 'trust bundle invalid, ignored').length === 2,
      );
      expect(lines.some((l) => l.msg === 'trust bundle not newer, ignored')).toBe(true);
      expect(watch.bundle()?.sequence).toBe(2);
      expect(
        lines.filter((l) => (l.obj as { revision?: number }).revision === garbage),
      ).toHaveLength(1);

      await put(bundleWith(v1, 5, 'next-root'));
      await eventually(() => watch.bundle()?.sequence === 5);
      expect(changes).toEqual([1, 2, 5]);
    } finally {
      await watch.stop();
    }
    expect(watch.bundle()?.sequence).toBe(5);
  });

  it('ready waits for the first valid bundle; stop before that rejects ready', async () => {
    const empty = await bus.kvm.create('fed-trust-empty');
    const { log } = recordingLog();
    const watch = watchTrustBundle(empty, { log });
    let settled = false;
    void watch.ready.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe(false);
    expect(watch.current()).toBeUndefined();
    await empty.put(KvKey.bundle, JSON.stringify(bundleV1()));
    await watch.ready;
    await watch.stop();

    const never = watchTrustBundle(await bus.kvm.create('fed-trust-never'), { log });
    await never.stop();
    await expect(never.ready).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('KV', () => {
  it('CAS: create once, update on the right revision, conflicts otherwise', async () => {
    const leases = await bus.kvm.open(BucketName.leases);
    const first = await createIfAbsent(leases, 'auditor', '{"holder":"a"}');
    expect(first.ok).toBe(true);
    if (!first.ok) throw new Error('unreachable');
    expect(await createIfAbsent(leases, 'auditor', '{"holder":"b"}')).toEqual({
      ok: false,
      conflict: true,
    });

    const second = await updateIfRevision(
      leases,
      'auditor',
      '{"holder":"a","n":2}',
      first.revision,
    );
    expect(second.ok).toBe(true);
    expect(await updateIfRevision(leases, 'auditor', '{"holder":"b"}', first.revision)).toEqual({
      ok: false,
      conflict: true,
    });
    const entry = await getEntry(leases, 'auditor');
    expect(entry?.json()).toEqual({ holder: 'a', n: 2 });

    if (!second.ok) throw new Error('unreachable');
    expect(await deleteIfRevision(leases, 'auditor', first.revision)).toEqual({
      ok: false,
      conflict: true,
    });
    expect((await deleteIfRevision(leases, 'auditor', second.revision)).ok).toBe(true);
    expect(await getEntry(leases, 'auditor')).toBeUndefined();
    expect(await getEntry(leases, 'never-written')).toBeUndefined();
    // A deleted key can be created again.
    expect((await createIfAbsent(leases, 'auditor', '{"holder":"b"}')).ok).toBe(true);
  });

  it('a posture envelope in fed-enforcement verifies after a round trip', async () => {
    const enforcement = await bus.kvm.open(BucketName.enforcement);
    const signer = nodeSigner('svc/reconciler/r-1');
    await enforcement.put(KvKey.posture, signKvEnvelope(utf8('{"mode":"strict"}'), signer));
    const entry = await getEntry(enforcement, KvKey.posture);
    const got = verifyKvEnvelope(
      entry?.value ?? new Uint8Array(),
      verifier(),
      nowS(),
      'svc/reconciler/r-1',
    );
    expect(got.ok && new TextDecoder().decode(got.body)).toBe('{"mode":"strict"}');
  });
});

describe('connection status logging', () => {
  it('logs disconnect and reconnect across a server restart, and the close', async () => {
    const { lines, log } = recordingLog();
    const watched = await connectBus({
      servers: server.url,
      name: 'watched',
      log,
      reconnectTimeWaitMs: 100,
    });
    await server.restart();
    await eventually(() => lines.some((l) => l.msg === 'nats reconnected'), 15_000);
    expect(lines.some((l) => l.msg === 'nats disconnected')).toBe(true);
    // Still usable after the restart: the stream survived in the same store.
    const ack = await publishEvent(watched.js, nodeSigner(), event());
    expect(ack.ack.stream).toBe('FED_EVENTS');
    await watched.close();
    expect(lines.at(-1)?.msg).toBe('nats connection closed');
  });
});
