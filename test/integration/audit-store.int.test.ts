import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIT_LOG_NAME,
  chainRows,
  issueCredential,
  publicKeyFromSeed,
  signCheckpoint,
  signEd25519,
  toHex,
  utf8,
  verifyCheckpoint,
  type AttestLevel,
} from '@fedplane/core';
import {
  AUDITOR_ROLE,
  appendEvents,
  createPgAuditStore,
  eventIdsPresent,
  getHead,
  migrate,
  readEvents,
  verifyStoredChain,
  type AuditStore,
  type Log,
  type NewAuditEvent,
} from '@fedplane/audit-store';
import { createTestDatabase, withPool, type TestDatabase } from '@fedplane/testkit';

const silentLog: Log = { info() {}, warn() {}, error() {}, debug() {} };

const ISSUER_SEED = new Uint8Array(32).fill(11);
const NODE_SEED = new Uint8Array(32).fill(22);
const AUDITOR_SEED = new Uint8Array(32).fill(33);
const ISSUER_KEYS = new Map([['root-1', publicKeyFromSeed(ISSUER_SEED)]]);
const issued = issueCredential({
  issuerSeed: ISSUER_SEED,
  issuerId: 'root-1',
  trustDomain: 'example.test',
  subjectAgentId: 'node-a',
  subjectPubkey: publicKeyFromSeed(NODE_SEED),
  nowS: 1_700_000_000,
  ttlS: 3600,
});
if (!issued.ok) throw new Error('fixture credential not issued');
const NODE_CREDENTIAL = issued.value.header;

/** An event body as an emitter would send it, signed as `level` says. */
function makeEvent(id: string, level: AttestLevel, type = 'node.enrolled'): NewAuditEvent {
  const at = '2025-03-04T05:06:07.890Z';
  const actor = level === 'issuer_signed' ? 'svc/issuer/1' : 'node-a';
  const body = utf8(JSON.stringify({ id, type, actor, at, data: { n: id } }));
  const signed = (seed: Uint8Array): Uint8Array => signEd25519(seed, body);
  const common = { event_id: id, type, actor, subject: 'node-a', at, body, stream_seq: 7 };
  switch (level) {
    case 'credential_signed':
      return {
        ...common,
        attest_level: level,
        signature: signed(NODE_SEED),
        signer: NODE_CREDENTIAL,
      };
    case 'issuer_signed':
      return {
        ...common,
        attest_level: level,
        signature: signed(ISSUER_SEED),
        signer: 'issuer:root-1',
      };
    case 'invalid_signature':
      return {
        ...common,
        attest_level: level,
        signature: new Uint8Array(64).fill(5),
        signer: NODE_CREDENTIAL,
      };
    case 'unsigned':
      return {
        ...common,
        attest_level: level,
        signature: null,
        signer: null,
        subject: null,
        stream_seq: null,
      };
  }
}

const LEVELS: readonly AttestLevel[] = [
  'credential_signed',
  'issuer_signed',
  'unsigned',
  'invalid_signature',
];

/** `n` events with ids `<prefix>-<i>`, cycling through the four levels. */
function makeEvents(prefix: string, n: number): NewAuditEvent[] {
  return Array.from({ length: n }, (_, i) => makeEvent(`${prefix}-${i}`, LEVELS[i % 4]!));
}

type Fixture = { db: TestDatabase; pool: pg.Pool; store: AuditStore };
const fixtures: Fixture[] = [];
afterAll(async () => {
  await Promise.allSettled(fixtures.map((f) => f.pool.end()));
  await Promise.allSettled(fixtures.map((f) => f.db.drop()));
});

async function freshStore(): Promise<Fixture> {
  const db = await createTestDatabase();
  const pool = withPool(db.url, 6);
  const fixture = { db, pool, store: createPgAuditStore(pool) };
  fixtures.push(fixture);
  await migrate(pool, { log: silentLog });
  return fixture;
}

/** Runs `change` with the append-only triggers disabled (superuser), then re-enables them. */
async function withTriggersDisabled(
  url: string,
  change: (client: pg.Client) => Promise<void>,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await change(client);
    await client.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
  } finally {
    await client.end();
  }
}

/**
 * Rewrites every row from `fromSeq` on consistently: row `fromSeq` gets `newBody`, and every
 * later body_hash / prev_hash / entry_hash is recomputed so the chain links again.
 */
async function rewriteTail(f: Fixture, fromSeq: number, newBody: Uint8Array): Promise<void> {
  const anchor = await readEvents(f.pool, { afterSeq: fromSeq - 2, limit: 1 });
  const tail = await readEvents(f.pool, { afterSeq: fromSeq - 1, limit: 10_000 });
  const head =
    fromSeq === 1 ? undefined : { seq: BigInt(fromSeq - 1), entryHash: anchor[0]!.entry_hash };
  const rows = chainRows(
    tail.map((row, i) => ({
      body: i === 0 ? newBody : row.body,
      attestLevel: row.attest_level as AttestLevel,
      signature: row.signature,
    })),
    head,
  );
  await withTriggersDisabled(f.db.url, async (client) => {
    for (const row of rows) {
      await client.query(
        'UPDATE audit_events SET body = $2, body_hash = $3, prev_hash = $4, entry_hash = $5 WHERE seq = $1',
        [row.seq.toString(), row.body, row.bodyHash, row.prevHash, row.entryHash],
      );
    }
  });
}

async function signedCheckpointOf(store: AuditStore, at = '2025-03-04T05:06:08.000Z') {
  const { size, head } = await store.head();
  return {
    ...signCheckpoint(AUDITOR_SEED, { log: AUDIT_LOG_NAME, size, head, at }),
    signer: NODE_CREDENTIAL,
  };
}

describe('append and verify', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await freshStore();
  });

  it('starts empty and verifies an empty chain', async () => {
    expect(await f.store.head()).toEqual({ size: 0, head: '0'.repeat(64) });
    const result = await f.store.verify();
    expect(result).toEqual({
      ok: true,
      report: { rows_checked: 0, first_break: null, signature_failures: [], checkpoint: 'none' },
    });
    expect(await f.store.append([])).toEqual({
      appended: [],
      skipped: [],
      head: { size: 0, head: '0'.repeat(64) },
    });
  });

  it('appends batches as a gapless chain that verifies, signatures included', async () => {
    const first = await f.store.append(makeEvents('a', 6));
    expect(first.appended.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(first.skipped).toEqual([]);
    expect(first.head).toEqual({ size: 6, head: toHex(first.appended[5]!.entry_hash) });
    const second = await f.store.append(makeEvents('b', 4));
    expect(second.appended.map((r) => [r.seq, r.event_id])).toEqual([
      [7, 'b-0'],
      [8, 'b-1'],
      [9, 'b-2'],
      [10, 'b-3'],
    ]);
    expect(await f.store.head()).toEqual(second.head);
    const result = await f.store.verify({ issuerKeys: ISSUER_KEYS });
    expect(result).toEqual({
      ok: true,
      report: { rows_checked: 10, first_break: null, signature_failures: [], checkpoint: 'none' },
    });
  });

  it('stores every column exactly as given and reads it back', async () => {
    const rows = await f.store.readEvents({ afterSeq: 0, limit: 4 });
    const input = makeEvents('a', 4);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    rows.forEach((row, i) => {
      const want = input[i]!;
      expect(row.event_id).toBe(want.event_id);
      expect(row.type).toBe(want.type);
      expect(row.actor).toBe(want.actor);
      expect(row.subject).toBe(want.subject);
      expect(row.at).toBe(want.at);
      expect(new Uint8Array(row.body)).toEqual(want.body);
      expect(row.signature === null ? null : new Uint8Array(row.signature)).toEqual(want.signature);
      expect(row.signer).toBe(want.signer);
      expect(row.attest_level).toBe(want.attest_level);
      expect(row.stream_seq).toBe(want.stream_seq);
      expect(row.recorded_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    });
    expect(rows[0]!.prev_hash).toEqual(Buffer.alloc(32));
    expect(rows[1]!.prev_hash).toEqual(rows[0]!.entry_hash);
  });

  it('filters reads by type and actor and pages by seq', async () => {
    const byActor = await readEvents(f.pool, { afterSeq: 0, limit: 100, actor: 'svc/issuer/1' });
    expect(byActor.map((r) => r.seq)).toEqual([2, 6, 8]);
    const page = await readEvents(f.pool, { afterSeq: 2, limit: 2, actor: 'node-a' });
    expect(page.map((r) => r.seq)).toEqual([3, 4]);
    expect(await readEvents(f.pool, { afterSeq: 0, limit: 5, type: 'other.type' })).toEqual([]);
    const both = await readEvents(f.pool, {
      afterSeq: 0,
      limit: 100,
      type: 'node.enrolled',
      actor: 'svc/issuer/1',
    });
    expect(both.map((r) => r.seq)).toEqual([2, 6, 8]);
    expect(
      (await readEvents(f.pool, { afterSeq: 0, limit: 100, type: 'node.enrolled' })).length,
    ).toBe(10);
    await expect(readEvents(f.pool, { afterSeq: -1, limit: 1 })).rejects.toThrow(RangeError);
    await expect(readEvents(f.pool, { afterSeq: 0, limit: 0 })).rejects.toThrow(RangeError);
    await expect(readEvents(f.pool, { afterSeq: 0, limit: 10_001 })).rejects.toThrow(RangeError);
  });

  it('skips ids already stored or repeated in the batch (idempotent redelivery)', async () => {
    const before = await f.store.head();
    const again = await f.store.append(makeEvents('b', 4));
    expect(again).toEqual({ appended: [], skipped: ['b-0', 'b-1', 'b-2', 'b-3'], head: before });
    const mixed = await f.store.append([
      makeEvent('b-3', 'unsigned'),
      makeEvent('c-0', 'unsigned'),
      makeEvent('c-0', 'credential_signed'),
      makeEvent('c-1', 'issuer_signed'),
    ]);
    expect(mixed.appended.map((r) => [r.seq, r.event_id])).toEqual([
      [11, 'c-0'],
      [12, 'c-1'],
    ]);
    expect(mixed.skipped).toEqual(['b-3', 'c-0']);
    const stored = await readEvents(f.pool, { afterSeq: 10, limit: 1 });
    expect(stored[0]!.attest_level).toBe('unsigned');
    expect(await eventIdsPresent(f.pool, ['c-0', 'c-1', 'zzz', 'c-0'])).toEqual(
      new Set(['c-0', 'c-1']),
    );
    expect(await eventIdsPresent(f.pool, [])).toEqual(new Set());
    const report = await f.store.verify({ issuerKeys: ISSUER_KEYS });
    expect(report.ok && report.report.rows_checked).toBe(12);
    expect(report.ok && report.report.first_break).toBeNull();
  });

  it('appends from a known head optimistically; a stale head or a stored id falls back to the careful path', async () => {
    const head = await f.store.head();
    // Right head: chained from it, same result as the careful path.
    const known = await appendEvents(f.pool, makeEvents('o', 3), { head });
    expect(known.appended.map((r) => r.seq)).toEqual([head.size + 1, head.size + 2, head.size + 3]);
    expect(await f.store.head()).toEqual(known.head);
    // Stale head (the chain moved since): refused by the unique seq, appended at the real head.
    const stale = await appendEvents(f.pool, makeEvents('p', 2), { head });
    expect(stale.appended.map((r) => r.seq)).toEqual([known.head.size + 1, known.head.size + 2]);
    expect(stale.skipped).toEqual([]);
    // A stored id in the batch (a redelivery) with the right head: skipped, not duplicated.
    const mixed = await appendEvents(
      f.pool,
      [makeEvent('p-1', 'unsigned'), makeEvent('q-0', 'unsigned')],
      {
        head: stale.head,
      },
    );
    expect(mixed.appended.map((r) => [r.seq, r.event_id])).toEqual([[stale.head.size + 1, 'q-0']]);
    expect(mixed.skipped).toEqual(['p-1']);
    const report = await f.store.verify({ issuerKeys: ISSUER_KEYS });
    expect(report.ok && report.report.first_break).toBeNull();
    expect(report.ok && report.report.rows_checked).toBe(mixed.head.size);
  });

  it('refuses an event it cannot store before writing anything', async () => {
    const before = await f.store.head();
    const bad = { ...makeEvent('d-1', 'unsigned'), actor: 'nul\0actor' };
    await expect(appendEvents(f.pool, [makeEvent('d-0', 'unsigned'), bad])).rejects.toThrow(
      /d-1 cannot be stored: actor text_not_storable/,
    );
    expect(await getHead(f.pool)).toEqual(before);
    expect(await eventIdsPresent(f.pool, ['d-0'])).toEqual(new Set());
  });

  it('rolls the whole batch back when the insert fails', async () => {
    const before = await f.store.head();
    // A constraint the middle row violates makes the one multi-row INSERT fail.
    await f.pool.query(
      "ALTER TABLE audit_events ADD CONSTRAINT test_refuse_e1 CHECK (event_id <> 'e-1')",
    );
    try {
      await expect(f.store.append(makeEvents('e', 3))).rejects.toThrow(/test_refuse_e1/);
    } finally {
      await f.pool.query('ALTER TABLE audit_events DROP CONSTRAINT test_refuse_e1');
    }
    expect(await eventIdsPresent(f.pool, ['e-0', 'e-1', 'e-2'])).toEqual(new Set());
    expect(await f.store.head()).toEqual(before);
    const retried = await f.store.append(makeEvents('e', 3));
    expect(retried.appended.map((r) => r.seq)).toEqual([
      before.size + 1,
      before.size + 2,
      before.size + 3,
    ]);
  });
});

describe('append-only triggers', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await freshStore();
    await f.store.append(makeEvents('t', 3));
    const recorded = await f.store.recordCheckpoint(await signedCheckpointOf(f.store));
    expect(recorded).toEqual({ ok: true, inserted: true });
  });

  it.each([
    ['UPDATE', "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"],
    ['DELETE', 'DELETE FROM audit_events WHERE seq = 3'],
    ['TRUNCATE', 'TRUNCATE audit_events'],
  ])('rejects %s on audit_events', async (op, sql) => {
    await expect(f.pool.query(sql)).rejects.toThrow(
      `audit_events is append-only: ${op} is not allowed`,
    );
    const result = await f.store.verify({ issuerKeys: ISSUER_KEYS });
    expect(result.ok && result.report).toEqual({
      rows_checked: 3,
      first_break: null,
      signature_failures: [],
      checkpoint: 'none',
    });
  });

  it.each([
    ['UPDATE', "UPDATE audit_checkpoints SET sig = 'x'"],
    ['DELETE', 'DELETE FROM audit_checkpoints'],
    ['TRUNCATE', 'TRUNCATE audit_checkpoints'],
  ])('rejects %s on audit_checkpoints', async (op, sql) => {
    await expect(f.pool.query(sql)).rejects.toThrow(
      `audit_checkpoints is append-only: ${op} is not allowed`,
    );
    expect(await f.store.latestCheckpoint()).not.toBeNull();
  });
});

describe('tamper detection', () => {
  it('reports a row altered with the triggers disabled at its seq', async () => {
    const f = await freshStore();
    await f.store.append(makeEvents('x', 12));
    await withTriggersDisabled(f.db.url, async (client) => {
      await client.query(
        `UPDATE audit_events SET body = convert_to('{"forged":true}', 'UTF8') WHERE seq = 6`,
      );
    });
    const result = await f.store.verify({ issuerKeys: ISSUER_KEYS });
    expect(result.ok && result.report.first_break).toBe(6);
    expect(result.ok && result.report.rows_checked).toBe(12);
    // Row 6 is issuer_signed (levels cycle from seq 1): its body no longer matches its signature.
    expect(result.ok && result.report.signature_failures).toEqual([6]);
    const fromSix = await f.store.verify({ fromSeq: 6, issuerKeys: ISSUER_KEYS });
    expect(fromSix.ok && fromSix.report.first_break).toBe(6);
    // Row 6's stored entry_hash was not touched, so the rows after it still link to it.
    const fromSeven = await f.store.verify({ fromSeq: 7, issuerKeys: ISSUER_KEYS });
    expect(fromSeven.ok && fromSeven.report).toEqual({
      rows_checked: 6,
      first_break: null,
      signature_failures: [],
      checkpoint: 'none',
    });
  });

  it('reports a deleted row as a break at the next seq', async () => {
    const f = await freshStore();
    await f.store.append(makeEvents('g', 6));
    await withTriggersDisabled(f.db.url, async (client) => {
      await client.query('DELETE FROM audit_events WHERE seq = 4');
    });
    const result = await f.store.verify({ issuerKeys: ISSUER_KEYS });
    expect(result.ok && result.report.first_break).toBe(5);
    expect(await f.store.verify({ fromSeq: 5 })).toEqual({
      ok: false,
      error: { tag: 'from_seq_not_found', from_seq: 5 },
    });
  });

  it('catches a consistent rewrite of the tail with the checkpoint taken before it', async () => {
    const f = await freshStore();
    await f.store.append(makeEvents('r', 8));
    const early = await signedCheckpointOf(f.store, '2025-03-04T05:06:08.000Z');
    expect(await f.store.recordCheckpoint(early)).toEqual({ ok: true, inserted: true });
    await f.store.append(makeEvents('s', 4));
    const late = await signedCheckpointOf(f.store, '2025-03-04T05:06:09.000Z');
    expect(await f.store.recordCheckpoint(late)).toEqual({ ok: true, inserted: true });

    await rewriteTail(f, 6, utf8('{"rewritten":true}'));

    // The rewritten chain links again: only a checkpoint can tell.
    const plain = await f.store.verify();
    expect(plain.ok && plain.report.first_break).toBeNull();
    const latest = await f.store.latestCheckpoint();
    expect(latest?.size).toBe(12);
    const againstLatest = await f.store.verify({ checkpoint: latest! });
    expect(againstLatest.ok && againstLatest.report.checkpoint).toBe('mismatch');
    const againstEarly = await f.store.verify({ checkpoint: (await f.store.checkpointAt(8))! });
    expect(againstEarly.ok && againstEarly.report.checkpoint).toBe('mismatch');
    expect(againstEarly.ok && againstEarly.report.first_break).toBeNull();

    // A checkpoint below the rewrite still holds.
    const rows = await readEvents(f.pool, { afterSeq: 4, limit: 1 });
    const beforeRewrite = { size: 5, head: toHex(rows[0]!.entry_hash) };
    const againstBelow = await f.store.verify({ checkpoint: beforeRewrite });
    expect(againstBelow.ok && againstBelow.report.checkpoint).toBe('ok');
  });

  it('flags a signed row whose body was replaced with its hashes recomputed', async () => {
    const f = await freshStore();
    await f.store.append(makeEvents('q', 8)); // seq 5 is credential_signed, seq 6 issuer_signed
    await rewriteTail(f, 5, utf8('{"forged":"credential"}'));
    const result = await f.store.verify({ issuerKeys: ISSUER_KEYS });
    expect(result.ok && result.report).toEqual({
      rows_checked: 8,
      first_break: null,
      signature_failures: [5],
      checkpoint: 'none',
    });
    // Without the issuer's key, issuer-signed rows cannot be checked: they fail too.
    const noKeys = await f.store.verify();
    expect(noKeys.ok && noKeys.report.signature_failures).toEqual([2, 5, 6]);
  });
});

describe('verify options', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await freshStore();
    await f.store.append(makeEvents('v', 10));
  });

  it('resumes from a seq, links to the stored hash before it, and reports progress', async () => {
    const progress: number[] = [];
    const result = await f.store.verify({
      fromSeq: 4,
      pageSize: 3,
      issuerKeys: ISSUER_KEYS,
      onProgress: (p) => progress.push(p.last_seq),
    });
    expect(result.ok && result.report.rows_checked).toBe(7);
    expect(result.ok && result.report.first_break).toBeNull();
    expect(progress).toEqual([6, 9, 10]);
  });

  it('checks a checkpoint given as {size, head}', async () => {
    const rows = await readEvents(f.pool, { afterSeq: 5, limit: 1 });
    const good = { size: 6, head: toHex(rows[0]!.entry_hash) };
    const ok = await f.store.verify({ checkpoint: good });
    expect(ok.ok && ok.report.checkpoint).toBe('ok');
    const bad = await f.store.verify({ checkpoint: { size: 6, head: 'ab'.repeat(32) } });
    expect(bad.ok && bad.report.checkpoint).toBe('mismatch');
    const beyond = await f.store.verify({ checkpoint: { size: 11, head: good.head } });
    expect(beyond.ok && beyond.report.checkpoint).toBe('mismatch');
  });

  it('handles a start at the end and past it', async () => {
    const atEnd = await verifyStoredChain(f.pool, { fromSeq: 11 });
    expect(atEnd).toEqual({
      ok: true,
      report: { rows_checked: 0, first_break: null, signature_failures: [], checkpoint: 'none' },
    });
    expect(await verifyStoredChain(f.pool, { fromSeq: 12 })).toEqual({
      ok: false,
      error: { tag: 'from_seq_not_found', from_seq: 12 },
    });
    await expect(verifyStoredChain(f.pool, { fromSeq: 0 })).rejects.toThrow(RangeError);
    await expect(verifyStoredChain(f.pool, { pageSize: 0 })).rejects.toThrow(RangeError);
  });
});

describe('checkpoints', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await freshStore();
  });

  it('keeps signed checkpoints with their exact bytes', async () => {
    expect(await f.store.latestCheckpoint()).toBeNull();
    await f.store.append(makeEvents('k', 3));
    const headAt3 = await f.store.head();
    const first = await signedCheckpointOf(f.store);
    expect(await f.store.recordCheckpoint(first)).toEqual({ ok: true, inserted: true });
    await f.store.append(makeEvents('m', 2));
    const second = await signedCheckpointOf(f.store, '2025-03-04T05:07:00.000Z');
    expect(await f.store.recordCheckpoint(second)).toEqual({ ok: true, inserted: true });

    const latest = await f.store.latestCheckpoint();
    const head = await f.store.head();
    expect(latest).toMatchObject({
      size: 5,
      head: head.head,
      at: '2025-03-04T05:07:00.000Z',
      sig: second.sig,
    });
    expect(latest?.signer).toBe(NODE_CREDENTIAL);
    expect(new Uint8Array(latest!.bytes)).toEqual(second.bytes);
    const verified = verifyCheckpoint(publicKeyFromSeed(AUDITOR_SEED), latest!.bytes, latest!.sig);
    expect(verified.ok).toBe(true);
    expect(await f.store.checkpointAt(3)).toMatchObject({
      size: 3,
      head: headAt3.head,
      sig: first.sig,
    });
    expect(await f.store.checkpointAt(4)).toBeNull();
  });

  it('is idempotent for the same size and head, and reports a conflicting head', async () => {
    const { size, head } = await f.store.head();
    const again = {
      ...signCheckpoint(AUDITOR_SEED, {
        log: AUDIT_LOG_NAME,
        size,
        head,
        at: '2025-03-04T06:00:00.000Z',
      }),
      signer: 'x',
    };
    expect(await f.store.recordCheckpoint(again)).toEqual({ ok: true, inserted: false });
    expect((await f.store.latestCheckpoint())?.at).toBe('2025-03-04T05:07:00.000Z');
    const forked = {
      ...signCheckpoint(AUDITOR_SEED, {
        log: AUDIT_LOG_NAME,
        size,
        head: 'cd'.repeat(32),
        at: '2025-03-04T06:00:00.000Z',
      }),
      signer: 'x',
    };
    expect(await f.store.recordCheckpoint(forked)).toEqual({
      ok: false,
      error: { tag: 'checkpoint_conflict', size, head },
    });
  });

  it('refuses malformed checkpoint bytes', async () => {
    expect(
      await f.store.recordCheckpoint({
        bytes: utf8('{"log":"x"}'),
        sig: 'ed25519=AA==',
        signer: 'x',
      }),
    ).toEqual({
      ok: false,
      error: { tag: 'checkpoint_malformed', problem: 'wrong_keys' },
    });
  });
});

describe('auditor role', () => {
  let f: Fixture;
  let auditorPool: pg.Pool;
  beforeAll(async () => {
    f = await freshStore(); // migrate() ran ensureAuditorRole as the (superuser) owner
    auditorPool = new pg.Pool({
      connectionString: f.db.url,
      max: 2,
      options: `-c role=${AUDITOR_ROLE}`,
    });
  });
  afterAll(async () => {
    await auditorPool.end();
  });

  it('has SELECT and INSERT only', async () => {
    const privileges = await f.pool.query<{ table: string; privilege: string; granted: boolean }>(
      `SELECT t AS table, p AS privilege, has_table_privilege($1, t, p) AS granted
       FROM unnest(ARRAY['audit_events', 'audit_checkpoints']) t,
            unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p`,
      [AUDITOR_ROLE],
    );
    for (const row of privileges.rows) {
      expect([row.table, row.privilege, row.granted]).toEqual([
        row.table,
        row.privilege,
        row.privilege === 'SELECT' || row.privilege === 'INSERT',
      ]);
    }
    expect(privileges.rows.length).toBe(14);
  });

  it('can append, verify and keep checkpoints, and is denied UPDATE and DELETE', async () => {
    const store = createPgAuditStore(auditorPool);
    const result = await store.append(makeEvents('role', 4));
    expect(result.appended.length).toBe(4);
    const report = await store.verify({ issuerKeys: ISSUER_KEYS });
    expect(report.ok && report.report.first_break).toBeNull();
    expect(await store.recordCheckpoint(await signedCheckpointOf(store))).toEqual({
      ok: true,
      inserted: true,
    });
    const whoami = await auditorPool.query<{ current_user: string }>('SELECT current_user');
    expect(whoami.rows[0]!.current_user).toBe(AUDITOR_ROLE);
    await expect(auditorPool.query("UPDATE audit_events SET actor = 'x'")).rejects.toThrow(
      /permission denied for table audit_events/,
    );
    await expect(auditorPool.query('DELETE FROM audit_events')).rejects.toThrow(
      /permission denied/,
    );
    await expect(auditorPool.query('TRUNCATE audit_checkpoints')).rejects.toThrow(
      /permission denied/,
    );
  });
});
