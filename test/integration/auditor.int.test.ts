import { randomBytes } from 'node:crypto';
import { getHead, latestCheckpoint, verifyStoredChain } from '@fedplane/audit-store';
import {
  AttestLevel,
  AuditHeadReplySchema,
  fromBase64,
  parseCheckpoint,
  type AuditHeadReply,
  issueCredential,
  parseEvent,
  publicKeyFromSeed,
  sha256,
  signEd25519,
  toHex,
  utf8,
} from '@fedplane/core';
import {
  FixedSubject,
  StreamName,
  eventSubject,
  newEventStamp,
  request,
  verifyKvEnvelope,
  verifySignedMessage,
  publishEvent,
  seedCredentialSigner,
  seedIssuerSigner,
  type CredentialSigner,
} from '@fedplane/messaging';
import { withPool } from '@fedplane/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allRows,
  chainSize,
  emit,
  emitter,
  eventually,
  startPgProxy,
  startTestAuditor,
  startWorld,
  type AuditWorld,
} from './auditor-fixtures.js';
import type { Auditor } from '../../services/auditor/src/shell/start-auditor.js';

/**
 * The auditor in-process against a real nats-server and a real Postgres database: ingest at
 * volume, exactly once and in stream order, and a chain that verifies.
 */

let world: AuditWorld;
let auditor: Auditor;

beforeAll(async () => {
  world = await startWorld();
  auditor = await startTestAuditor(world, 'it-main');
});

afterAll(async () => {
  await auditor?.stop();
  await world?.close();
});

/** Publishes one event signed by `signer` and returns its id. */
async function publishOne(
  signer: CredentialSigner | ReturnType<typeof seedIssuerSigner>,
  actor: string,
): Promise<string> {
  const stamp = newEventStamp();
  await publishEvent(world.bus.js, signer, { ...stamp, type: 'test.probe', actor, data: {} });
  return stamp.id;
}

describe('auditor ingest', () => {
  it('fed.audit.head answers NOT_FOUND while no checkpoint exists', async () => {
    await expect(
      request(world.bus.nc, FixedSubject.auditHead, {}, { schema: AuditHeadReplySchema }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('appends 10,000 events from 4 concurrent emitters exactly once, in stream order, and the chain verifies', async () => {
    const signers = [1, 2, 3, 4].map((n) => emitter(world.issuer, `region/nyc/node-${n}`));
    const started = Date.now();
    const published = await Promise.all(signers.map((s) => emit(world.bus, s, 2_500)));
    const ids = published.flat();
    expect(new Set(ids).size).toBe(10_000);
    await chainSize(world.pool, 10_000, 40_000);
    const elapsed = Date.now() - started;

    const rows = await allRows(world.pool);
    const events = rows.filter((r) => r.type === 'test.happened');
    expect(events).toHaveLength(10_000);
    expect(new Set(events.map((r) => r.event_id))).toEqual(new Set(ids));
    // Gapless seqs, and the chain follows the stream's order.
    rows.forEach((row, i) => expect(row.seq).toBe(i + 1));
    for (let i = 1; i < rows.length; i += 1) {
      expect(rows[i]!.stream_seq!).toBeGreaterThan(rows[i - 1]!.stream_seq!);
    }
    expect(events.every((r) => r.attest_level === AttestLevel.credential_signed)).toBe(true);
    expect(new Set(events.map((r) => r.actor))).toEqual(new Set(signers.map((s) => s.agentId)));

    const verified = await verifyStoredChain(world.pool);
    expect(verified).toEqual({
      ok: true,
      report: {
        rows_checked: rows.length,
        first_break: null,
        signature_failures: [],
        checkpoint: 'none',
      },
    });
    expect(auditor.status().appended).toBe(rows.length);
    expect(elapsed).toBeLessThan(40_000);
  });

  it('signs a checkpoint of the head into KV (fed.audit.head), FED_CHECKPOINTS and the table', async () => {
    const head = await getHead(world.pool);
    let envelope: AuditHeadReply | undefined;
    await eventually(
      async () => {
        envelope = await request(
          world.bus.nc,
          FixedSubject.auditHead,
          {},
          { schema: AuditHeadReplySchema },
        ).catch(() => undefined);
        const cp = envelope === undefined ? null : parseCheckpoint(fromBase64(envelope.body)!);
        return cp?.ok === true && cp.checkpoint.size === head.size;
      },
      10_000,
      'checkpoint of the head',
    );
    const verified = verifyKvEnvelope(
      JSON.stringify(envelope),
      world.trust.current()!,
      Math.floor(Date.now() / 1000),
      auditor.agentId,
    );
    expect(verified.ok).toBe(true);
    const body = parseCheckpoint(fromBase64(envelope!.body)!);
    expect(body.ok && body.checkpoint).toMatchObject({
      log: 'fedplane-audit',
      size: head.size,
      head: head.head,
    });

    const stored = await world.bus.jsm.streams.getMessage(StreamName.checkpoints, {
      last_by_subj: FixedSubject.auditCheckpoint,
    });
    expect(stored?.header.get('Nats-Msg-Id')).toBe(`${head.size}:${head.head}`);
    expect(new TextDecoder().decode(stored!.data)).toBe(
      new TextDecoder().decode(fromBase64(envelope!.body)),
    );
    expect(
      verifySignedMessage({
        headers: stored!.header,
        body: stored!.data,
        bundle: world.trust.current()!,
        nowS: Math.floor(Date.now() / 1000),
        actor: auditor.agentId,
      }),
    ).toMatchObject({ attest_level: 'credential_signed' });
    const kept = await latestCheckpoint(world.pool);
    expect(kept).toMatchObject({ size: head.size, head: head.head, signer: envelope!.cred });
  });
});

describe('attestation of what arrives', () => {
  it('records a bad signature, an unknown issuer, an expired credential, unsigned and garbage messages with their level, and raises audit.rejected_event for each', async () => {
    const before = (await getHead(world.pool)).size;
    const nowS = Math.floor(Date.now() / 1000);
    const good = emitter(world.issuer, 'region/nyc/node-7');
    // Signed by a key that is not the credential's subject key.
    const otherSeed = new Uint8Array(randomBytes(32));
    const forged: CredentialSigner = { ...good, sign: (b) => signEd25519(otherSeed, b) };
    // A credential from an issuer key the bundle does not hold.
    const ghostSeed = new Uint8Array(randomBytes(32));
    const nodeSeed = new Uint8Array(randomBytes(32));
    const ghostCred = issueCredential({
      issuerSeed: ghostSeed,
      issuerId: 'ghost',
      trustDomain: world.issuer.trustDomain,
      subjectAgentId: 'region/nyc/node-8',
      subjectPubkey: publicKeyFromSeed(nodeSeed),
      nowS,
      ttlS: 3600,
    });
    if (!ghostCred.ok) throw new Error('ghost credential');
    const ghost = seedCredentialSigner({
      agentId: 'region/nyc/node-8',
      seed: nodeSeed,
      credential: () => ghostCred.value.header,
    });
    // An issuer key id that is not in the bundle (Fed-Issuer path).
    const ghostIssuer = seedIssuerSigner({ issuerId: 'ghost', seed: ghostSeed });
    // A credential that expired an hour ago.
    const expired = emitter(world.issuer, 'region/nyc/node-9', { nowS: nowS - 7200, ttlS: 60 });

    const expectations = new Map<string, { level: string; reason: string }>();
    expectations.set(await publishOne(forged, good.agentId), {
      level: 'invalid_signature',
      reason: 'bad_signature',
    });
    expectations.set(await publishOne(ghost, ghost.agentId), {
      level: 'invalid_signature',
      reason: 'credential_unknown_issuer',
    });
    expectations.set(await publishOne(ghostIssuer, 'issuer'), {
      level: 'invalid_signature',
      reason: 'unknown_issuer',
    });
    expectations.set(await publishOne(expired, expired.agentId), {
      level: 'invalid_signature',
      reason: 'credential_expired',
    });
    const unsigned = newEventStamp();
    await world.bus.js.publish(
      eventSubject('test.probe'),
      utf8(
        JSON.stringify({ ...unsigned, type: 'test.probe', actor: 'region/nyc/node-1', data: {} }),
      ),
      { msgID: unsigned.id },
    );
    expectations.set(unsigned.id, { level: 'unsigned', reason: 'unsigned' });
    const garbage = await world.bus.js.publish(eventSubject('test.garbage'), utf8('not an event'));
    // Authentic ones: a node event and an issuer event.
    const okNode = await publishOne(good, good.agentId);
    const okIssuer = await publishOne(world.issuer.signer(), 'issuer');

    // 8 probes + 6 alerts.
    await chainSize(world.pool, before + 14, 15_000);
    const rows = (await allRows(world.pool)).filter((r) => r.seq > before);
    const probes = rows.filter((r) => r.type !== 'audit.rejected_event');
    const alerts = rows.filter((r) => r.type === 'audit.rejected_event');
    expect(probes).toHaveLength(8);
    expect(alerts).toHaveLength(6);

    const byClaimedId = (id: string) =>
      probes.find((r) => r.event_id === id || r.event_id.endsWith(`:${id}`));
    for (const [id, want] of expectations) {
      const row = byClaimedId(id);
      expect(row, id).toBeDefined();
      expect(row!.attest_level).toBe(want.level);
      // A rejected row never takes the plain event id: it is stream:<seq>:<claimed id>.
      expect(row!.event_id).toBe(`stream:${row!.stream_seq}:${id}`);
      const alert = alerts.find((a) => {
        const parsed = parseEvent(a.body);
        return parsed.ok && parsed.value.data['event_id'] === row!.event_id;
      });
      expect(alert, `alert for ${id}`).toBeDefined();
      expect(alert!.attest_level).toBe(AttestLevel.credential_signed);
      expect(alert!.actor).toBe(auditor.agentId);
      const data = (
        parseEvent(alert!.body) as { ok: true; value: { data: Record<string, unknown> } }
      ).value.data;
      expect(data).toMatchObject({
        attest_level: want.level,
        reason: want.reason,
        seq: row!.seq,
        stream_seq: row!.stream_seq,
        body_sha256: toHex(sha256(row!.body)),
      });
    }
    const garbageRow = probes.find((r) => r.stream_seq === garbage.seq)!;
    expect(garbageRow).toMatchObject({
      event_id: `stream:${garbage.seq}`,
      type: 'invalid',
      actor: 'unknown',
      subject: null,
      attest_level: 'unsigned',
    });
    expect(new TextDecoder().decode(garbageRow.body)).toBe('not an event');
    expect(byClaimedId(okNode)).toMatchObject({
      event_id: okNode,
      attest_level: 'credential_signed',
    });
    expect(byClaimedId(okIssuer)).toMatchObject({
      event_id: okIssuer,
      attest_level: 'issuer_signed',
      signer: 'issuer:root',
    });

    // The whole chain verifies, issuer-signed rows with the bundle's issuer keys.
    const issuerKeys = world.trust.current()!.keys;
    const verified = await verifyStoredChain(world.pool, { issuerKeys });
    expect(verified.ok && verified.report.first_break).toBeNull();
    expect(verified.ok && verified.report.signature_failures).toEqual([]);
    // Without the issuer key its row cannot be re-verified.
    const withoutKeys = await verifyStoredChain(world.pool);
    expect(withoutKeys.ok && withoutKeys.report.signature_failures).toEqual([
      byClaimedId(okIssuer)!.seq,
    ]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on audit_events', async () => {
    await expect(
      world.pool.query("UPDATE audit_events SET actor = 'x' WHERE seq = 1"),
    ).rejects.toThrow(/append-only/);
    await expect(world.pool.query('DELETE FROM audit_events WHERE seq = 1')).rejects.toThrow(
      /append-only/,
    );
    await expect(world.pool.query('TRUNCATE audit_events')).rejects.toThrow(/append-only/);
    expect(
      (await world.pool.query('SELECT count(*)::int AS n FROM audit_events WHERE seq = 1')).rows[0]
        .n,
    ).toBe(1);
  });
});

describe('two auditor instances', () => {
  it('only the lease holder appends; when it stops the other takes over within one lease period, without a fork', async () => {
    const standby = await startTestAuditor(world, 'it-standby');
    try {
      await eventually(() => auditor.isLeader(), 5_000, 'first instance leads');
      const node = emitter(world.issuer, 'region/nyc/node-5');
      const before = (await getHead(world.pool)).size;
      const first = await emit(world.bus, node, 500);
      await chainSize(world.pool, before + 500);
      expect(standby.isLeader()).toBe(false);
      expect(standby.status().appended).toBe(0);

      await auditor.stop();
      // Within one lease period (TEST_SETTINGS.leaseTtlMs = 3 s).
      await eventually(() => standby.isLeader(), 3_000, 'standby takes over');
      const second = await emit(world.bus, node, 500);
      await chainSize(world.pool, before + 1_000, 10_000);
      expect(standby.status().appended).toBeGreaterThanOrEqual(500);

      const rows = await allRows(world.pool);
      const ids = rows.map((r) => r.event_id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(rows.map((r) => toHex(r.entry_hash))).size).toBe(rows.length);
      for (const id of [...first, ...second]) expect(ids).toContain(id);
      const verified = await verifyStoredChain(world.pool, {
        issuerKeys: world.trust.current()!.keys,
      });
      expect(verified.ok && verified.report.first_break).toBeNull();
    } finally {
      await standby.stop();
    }
  });
});

describe('Postgres outage', () => {
  it('keeps events in the stream while Postgres is unreachable for 20 s, never slows emitters, and appends them all after', async () => {
    const target = new URL(world.db.url);
    const proxy = await startPgProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const proxied = new URL(world.db.url);
    proxied.port = String(proxy.port);
    const pool = withPool(proxied.toString(), 4);
    pool.on('error', () => undefined);
    const instance = await startTestAuditor({ ...world, pool }, 'it-outage');
    try {
      await eventually(() => instance.isLeader(), 8_000, 'outage instance leads');
      const node = emitter(world.issuer, 'region/nyc/node-6');
      const before = (await getHead(world.pool)).size;
      await emit(world.bus, node, 200);
      await chainSize(world.pool, before + 200);

      await proxy.stop();
      const ackMs: number[] = [];
      const during: string[] = [];
      const outageEnds = Date.now() + 20_000;
      while (Date.now() < outageEnds) {
        during.push(...(await emit(world.bus, node, 100, { onAckMs: (ms) => ackMs.push(ms) })));
        await new Promise((r) => setTimeout(r, 500));
      }
      // Nothing got in, and publishing was never held up.
      expect((await getHead(world.pool)).size).toBe(before + 200);
      expect(instance.status().appendFailures).toBeGreaterThan(0);
      expect(instance.readiness().ok).toBe(false);
      ackMs.sort((a, b) => a - b);
      expect(ackMs[Math.floor(ackMs.length * 0.99)]!).toBeLessThan(500);

      await proxy.start();
      await chainSize(world.pool, before + 200 + during.length, 20_000);
      const rows = await allRows(world.pool);
      const ids = new Set(rows.map((r) => r.event_id));
      for (const id of during) expect(ids.has(id)).toBe(true);
      expect(ids.size).toBe(rows.length);
      const verified = await verifyStoredChain(world.pool, {
        issuerKeys: world.trust.current()!.keys,
      });
      expect(verified.ok && verified.report.first_break).toBeNull();
      expect(verified.ok && verified.report.signature_failures).toEqual([]);
      expect(instance.readiness().ok).toBe(true);
    } finally {
      await instance.stop();
      await pool.end();
      await proxy.close();
    }
  });
});
