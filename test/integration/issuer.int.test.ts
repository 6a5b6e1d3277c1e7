import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BundleReplySchema,
  CredentialReplySchema,
  EVENT_TYPES,
  NodeStatusSchema,
  RevokeReplySchema,
  decodeCredential,
  issueCredential,
  publicKeyFromSeed,
  sha256Hex,
  toVerifierBundle,
  utf8,
  verifyChain,
  type CredentialReply,
  type TrustBundle,
} from '@fedplane/core';
import {
  FixedSubject,
  StreamName,
  request,
  serviceStatusSubject,
  verifySignedMessage,
} from '@fedplane/messaging';
import type { StoredMsg } from '@nats-io/jetstream';
import { createLogger } from '@fedplane/runtime';
import {
  createTestDatabase,
  startNatsServer,
  type NatsServerHandle,
  type TestDatabase,
} from '@fedplane/testkit';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnyObject,
  DOMAIN,
  attest,
  attestBody,
  bytes,
  call,
  enroll,
  issuerPool,
  newNode,
  offsetClock,
  raw,
  renew,
  renewBody,
  snapshot,
  startTestIssuer,
  streamEvents,
  tempKeyDir,
  testConfig,
  type OffsetClock,
  type TestIssuer,
} from './issuer-fixtures.js';
import { handleRenew } from '../../services/issuer/src/shell/handle-renew.js';
import { insertOutbox } from '../../services/issuer/src/adapters/pg-outbox.js';

/**
 * The issuer against real NATS and Postgres, in-process: enroll → attest → renew → revoke, the
 * published bundle, audited events, every bad input of issue 4 (right typed error, no state
 * change), reuse detection, the lost-reply retry, intermediates and service attestation.
 */

const SERVICE_SECRET = 'auditor-bootstrap-secret-0123456789';

let server: NatsServerHandle;
let db: TestDatabase;
let pool: Pool;
let issuer: TestIssuer;
let clock: OffsetClock;
let keyDir: string;
const logLines: string[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  db = await createTestDatabase();
  pool = issuerPool(db.url, 10);
  keyDir = tempKeyDir();
  const secretsFile = join(keyDir, '..', 'secrets.json');
  writeFileSync(secretsFile, JSON.stringify({ auditor: sha256Hex(utf8(SERVICE_SECRET)) }));
  clock = offsetClock();
  issuer = await startTestIssuer({
    config: testConfig({
      natsUrl: server.url,
      databaseUrl: db.url,
      keyDir,
      env: { ISSUER_SERVICE_SECRETS_FILE: secretsFile, ISSUER_LEAF_TTL: '10m' },
    }),
    pool,
    clock,
    sweepMs: 500,
    log: createLogger({
      service: 'issuer',
      level: 'debug',
      instance: 'test',
      destination: { write: (line: string) => logLines.push(line) },
    }),
  });
});

afterAll(async () => {
  await issuer?.stop();
  await pool?.end();
  await db?.drop();
  await server?.stop();
});

const nc = () => issuer.bus.nc;

/** 32 bytes that are not an Ed25519 point (y = 2 has no x). */
function notAPoint(): Uint8Array {
  const bad = new Uint8Array(32);
  bad[0] = 2;
  return bad;
}

async function publishedBundle(): Promise<TrustBundle> {
  const kv = await issuer.bus.kvm.open('fed-trust');
  const entry = await kv.get('bundle');
  if (entry === null) throw new Error('no bundle in kv');
  return BundleReplySchema.parse(entry.json());
}

function verifies(reply: CredentialReply, bundle: TrustBundle, nodeId: string): void {
  const result = verifyChain({
    leaf: reply.credential,
    chain: reply.chain,
    bundle: toVerifierBundle(bundle),
    nowS: Math.floor(Date.now() / 1000),
  });
  expect(result).toMatchObject({ ok: true });
  if (result.ok) expect(result.value.subject_agent_id).toBe(nodeId);
}

/** Every event on FED_EVENTS so far, with its attestation against `bundle`. */
const events = (bundle: TrustBundle) => streamEvents(issuer.bus, bundle);

async function waitForEvent(
  bundle: TrustBundle,
  match: (e: {
    type: string;
    subject: string | undefined;
    data: Record<string, unknown>;
  }) => boolean,
) {
  for (let i = 0; i < 50; i += 1) {
    const found = (await events(bundle)).find(match);
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('event not seen');
}

describe('issuer: the happy path through NATS', () => {
  it('enroll → attest → renew (with key rotation) → revoke; credentials verify against the published bundle', async () => {
    const bundle = await publishedBundle();
    expect(bundle).toMatchObject({ trust_domain: DOMAIN, sequence: 1, refresh_hint_s: 60 });
    expect(bundle.keys).toHaveLength(1);
    expect(bundle.keys[0]).toMatchObject({ issuer_id: 'root', state: 'active' });
    const served = await request(
      nc(),
      FixedSubject.issuerBundle,
      {},
      { schema: BundleReplySchema },
    );
    expect(served).toEqual(bundle);

    const node = newNode('node-happy');
    const token = await enroll(nc(), node.id, { ttl_s: 300 });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const attested = await attest(nc(), node, token);
    expect(attested.ok).toBe(true);
    verifies(node.held!, bundle, node.id);
    const claims = decodeCredential(node.held!.credential);
    expect(claims.ok && claims.value.claims.not_after - claims.value.claims.not_before).toBe(330);
    expect(node.held!.chain).toBeUndefined();

    const first = node.held!;
    const renewed = await renew(nc(), node, { rotate: true });
    expect(renewed.ok).toBe(true);
    verifies(node.held!, bundle, node.id);
    const renewedClaims = decodeCredential(node.held!.credential);
    expect(renewedClaims.ok && renewedClaims.value.claims.subject_pubkey).toEqual(
      publicKeyFromSeed(node.seed),
    );
    expect(node.held!.credential).not.toBe(first.credential);
    expect((await renew(nc(), node)).ok).toBe(true);

    const revoked = await request(
      nc(),
      FixedSubject.issuerRevoke,
      { node_id: node.id, reason: 'decommissioned' },
      {
        schema: RevokeReplySchema,
      },
    );
    expect(revoked).toEqual({
      node_id: node.id,
      status: 'revoked',
      last_not_after: node.held!.not_after,
    });
    // Idempotent.
    expect(
      await request(
        nc(),
        FixedSubject.issuerRevoke,
        { node_id: node.id, reason: 'again' },
        { schema: RevokeReplySchema },
      ),
    ).toEqual(revoked);
    expect(await renew(nc(), node)).toMatchObject({
      ok: false,
      code: 'FORBIDDEN',
      reason: 'node_revoked',
    });

    // Every issuance is an audited, issuer-signed event.
    await waitForEvent(bundle, (e) => e.type === 'node.revoked' && e.subject === node.id);
    const mine = (await events(bundle)).filter((e) => e.subject === node.id);
    const types = mine.map((e) => e.type);
    expect(types.filter((t) => t === 'credential.issued')).toHaveLength(3);
    // credential.renewed is the agent's event (one source): the issuer audits issuances only.
    expect(types.filter((t) => t === 'credential.renewed')).toHaveLength(0);
    expect(types).toContain('node.enrolled');
    expect(types).toContain('node.revoked');
    expect(types).toContain('credential.denied');
    for (const e of mine) {
      expect(e.level).toBe('issuer_signed');
      expect(EVENT_TYPES[e.type as keyof typeof EVENT_TYPES].data.safeParse(e.data).success).toBe(
        true,
      );
    }
    const issued = mine.filter((e) => e.type === 'credential.issued').map((e) => e.data['via']);
    expect(issued).toEqual(['attest', 'renew', 'renew']);
    // The rotated renewal's credential carries the new key.
    const keys = mine
      .filter((e) => e.type === 'credential.issued')
      .map((e) => e.data['subject_pubkey']);
    expect(new Set(keys).size).toBe(2);
  });

  it('publishes its signed instance status on fed.status.svc.issuer.<instance>, under an audited identity of its own', async () => {
    const bundle = await publishedBundle();
    const subject = serviceStatusSubject('issuer', issuer.handle.actor.split('/')[2]!);
    let stored: StoredMsg | undefined;
    for (let i = 0; i < 100 && stored === undefined; i += 1) {
      stored =
        (await issuer.bus.jsm.streams
          .getMessage(StreamName.status, { last_by_subj: subject })
          .catch(() => null)) ?? undefined;
      if (stored === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    if (stored === undefined) throw new Error('no status published');
    const attested = verifySignedMessage({
      headers: stored.header,
      body: stored.data,
      bundle: toVerifierBundle(bundle),
      nowS: Math.floor(Date.now() / 1000),
      actor: issuer.handle.actor,
    });
    expect(attested.attest_level).toBe('credential_signed');
    const body = NodeStatusSchema.parse(JSON.parse(new TextDecoder().decode(stored.data)));
    expect(body).toMatchObject({ node_id: issuer.handle.actor, can_sign: true });
    // Its credential is an audited issuance like any other.
    const issued = await waitForEvent(
      bundle,
      (e) => e.type === 'credential.issued' && e.subject === issuer.handle.actor,
    );
    expect(issued.data['credential_id']).toBe(body.credential_id);
  });

  it('keeps keys on disk with tight modes and never logs or sends them', async () => {
    expect(statSync(keyDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(keyDir, 'root.priv')).mode & 0o777).toBe(0o600);
    expect(statSync(join(keyDir, 'root.priv')).size).toBe(32);
    expect(statSync(join(keyDir, 'root.pub')).size).toBe(32);
    const seed = readFileSync(join(keyDir, 'root.priv'));
    const forms = [seed.toString('base64'), seed.toString('hex'), seed.toString('base64url')];
    expect(logLines.length).toBeGreaterThan(5);
    const logs = logLines.join('');
    const bodies = JSON.stringify(await events(await publishedBundle()));
    for (const form of forms) {
      expect(logs).not.toContain(form);
      expect(bodies).not.toContain(form);
    }
    // Join tokens are not logged either.
    const token = await enroll(nc(), 'node-token-not-logged');
    expect(logLines.join('')).not.toContain(token);
  });
});

describe('issuer: the event outbox', () => {
  it('an event whose fast-path publish never happened is republished by the sweeper and its row deleted', async () => {
    const event = issuer.handle.deps.events.build({
      type: 'node.revoked',
      subject: 'node-outbox',
      data: { reason: 'outbox test', trigger: 'request' },
    });
    await insertOutbox(pool, [event], Date.now() - 10_000);
    const bundle = await publishedBundle();
    const seen = await waitForEvent(
      bundle,
      (e) => e.type === 'node.revoked' && e.subject === 'node-outbox',
    );
    expect(seen.data['reason']).toBe('outbox test');
    for (let i = 0; i < 50; i += 1) {
      const left = await pool.query('SELECT 1 FROM event_outbox WHERE event_id = $1', [
        event.eventId,
      ]);
      if (left.rowCount === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(
      (await pool.query('SELECT 1 FROM event_outbox WHERE event_id = $1', [event.eventId]))
        .rowCount,
    ).toBe(0);
  });
});

describe('issuer: the lost-reply retry and reuse detection', () => {
  it('the previous credential, latest never presented, gets the very same reply bytes back', async () => {
    const node = newNode('node-retry');
    await attest(nc(), node, await enroll(nc(), node.id));
    const l1 = node.held!;
    const first = await raw(
      nc(),
      FixedSubject.issuerRenew,
      bytes(JSON.stringify(renewBody(l1, node.seed))),
    );
    expect(first.code).toBeUndefined();
    const retry = await raw(
      nc(),
      FixedSubject.issuerRenew,
      bytes(JSON.stringify(renewBody(l1, node.seed))),
    );
    expect(retry.code).toBeUndefined();
    expect(Buffer.from(retry.data).equals(Buffer.from(first.data))).toBe(true);
    const before = await pool.query('SELECT generation FROM registrations WHERE node_id = $1', [
      node.id,
    ]);
    expect(Number(before.rows[0].generation)).toBe(3); // enroll 1, attest 2, renew 3; the retry issued nothing
  });

  it('a renewed-then-copied credential presented again locks the node and emits credential.reuse_detected', async () => {
    const node = newNode('node-copied');
    await attest(nc(), node, await enroll(nc(), node.id));
    const copied = node.held!;
    const copiedSeed = node.seed;
    expect((await renew(nc(), node)).ok).toBe(true); // L1 → L2
    expect((await renew(nc(), node)).ok).toBe(true); // L2 → L3 (L2 was used)
    const again = await call(
      nc(),
      FixedSubject.issuerRenew,
      renewBody(copied, copiedSeed),
      CredentialReplySchema,
    );
    expect(again).toEqual({ ok: false, code: 'FORBIDDEN', reason: 'credential_reuse_detected' });
    const row = await pool.query(
      'SELECT status, revoked_reason FROM registrations WHERE node_id = $1',
      [node.id],
    );
    expect(row.rows[0]).toEqual({ status: 'revoked', revoked_reason: 'credential reuse detected' });
    // The legitimate holder is locked out too (the node must be re-enrolled).
    expect(await renew(nc(), node)).toMatchObject({ ok: false, reason: 'node_revoked' });
    const bundle = await publishedBundle();
    const reuse = await waitForEvent(
      bundle,
      (e) => e.type === 'credential.reuse_detected' && e.subject === node.id,
    );
    expect(reuse.data['presented_credential_id']).toMatch(/^[0-9a-f]{64}$/);
    await waitForEvent(
      bundle,
      (e) =>
        e.type === 'node.revoked' &&
        e.subject === node.id &&
        e.data['trigger'] === 'reuse_detected',
    );

    // Re-enrolling re-enables it; a credential from before is refused without locking again.
    const token = await enroll(nc(), node.id);
    const stale = await call(
      nc(),
      FixedSubject.issuerRenew,
      renewBody(node.held!, node.seed),
      CredentialReplySchema,
    );
    expect(stale).toMatchObject({ ok: false, code: 'FORBIDDEN', reason: 'credential_superseded' });
    expect((await attest(nc(), node, token)).ok).toBe(true);
    expect((await renew(nc(), node)).ok).toBe(true);
  });
});

describe('issuer: bad input gets the right typed error and changes no state', () => {
  type Case = {
    name: string;
    send: () => Promise<{ code: string | undefined; reason?: string | undefined }>;
    code: string;
    reason?: string;
  };

  const subjects = [
    FixedSubject.issuerEnroll,
    FixedSubject.issuerAttest,
    FixedSubject.issuerRenew,
    FixedSubject.issuerRevoke,
    FixedSubject.issuerIntermediate,
  ];

  const asRaw = (subject: string, body: Uint8Array) => () => raw(nc(), subject, body);
  const asCall = (subject: string, body: unknown) => async () => {
    const out = await call(nc(), subject, body, AnyObject);
    return out.ok ? { code: undefined } : out;
  };

  const schemaCases: Case[] = subjects.flatMap((subject) => [
    {
      name: `${subject}: malformed JSON`,
      send: asRaw(subject, bytes('{"node_id": ')),
      code: 'BAD_REQUEST',
    },
    {
      name: `${subject}: not UTF-8`,
      send: asRaw(subject, new Uint8Array([0xff, 0xfe, 0x00])),
      code: 'BAD_REQUEST',
    },
    {
      name: `${subject}: wrong types`,
      send: asCall(subject, {
        node_id: 42,
        region: [],
        ttl_s: 'x',
        public_key: 1,
        credential: 2,
        nonce: 3,
        ts: 'now',
        pop: null,
        reason: 5,
      }),
      code: 'BAD_REQUEST',
    },
    {
      name: `${subject}: oversized`,
      send: asRaw(subject, bytes(JSON.stringify({ node_id: 'n', pad: 'x'.repeat(40 * 1024) }))),
      code: 'TOO_LARGE',
    },
  ]);

  it.each(schemaCases)('$name', async (c) => {
    const before = await snapshot(pool);
    const out = await c.send();
    expect(out.code).toBe(c.code);
    expect(await snapshot(pool)).toBe(before);
  });

  it('re-enrolling replaces a node’s unused token; keep_tokens (the reconciler’s enroll) leaves it valid', async () => {
    const replaced = newNode('node-token-replaced');
    const first = await enroll(nc(), replaced.id);
    const second = await enroll(nc(), replaced.id);
    const refusedOld = await attest(nc(), replaced, first);
    expect(refusedOld.ok ? 'attested' : refusedOld.code).toBe('UNAUTHENTICATED');
    expect((await attest(nc(), replaced, second)).ok).toBe(true);

    const kept = newNode('node-token-kept');
    const operatorToken = await enroll(nc(), kept.id);
    const reconcilerToken = await enroll(nc(), kept.id, { keep_tokens: true });
    expect(reconcilerToken).not.toBe(operatorToken);
    expect((await attest(nc(), kept, operatorToken)).ok).toBe(true);
    const registration = await pool.query<{ status: string }>(
      'SELECT status FROM registrations WHERE node_id = $1',
      [kept.id],
    );
    expect(registration.rows).toEqual([{ status: 'enrolled' }]);
  });

  it('attest: reused, expired, foreign and unknown tokens; revoked node; bad key; bad secret', async () => {
    const used = newNode('node-used');
    const usedToken = await enroll(nc(), used.id);
    expect((await attest(nc(), used, usedToken)).ok).toBe(true);

    const other = newNode('node-other');
    const otherToken = await enroll(nc(), other.id);

    const late = newNode('node-late');
    const lateToken = await enroll(nc(), late.id);

    const revoked = newNode('node-revoked-attest');
    const revokedToken = await enroll(nc(), revoked.id);
    await request(
      nc(),
      FixedSubject.issuerRevoke,
      { node_id: revoked.id, reason: 'test' },
      { schema: RevokeReplySchema },
    );

    const badKey = new Uint8Array(32);
    badKey[0] = 2; // not a curve point

    const cases: [string, unknown, string, string][] = [
      ['reused token', attestBody(used, usedToken), 'CONFLICT', 'token_used'],
      [
        'token for another node',
        attestBody(newNode(other.id === 'x' ? 'y' : 'node-thief'), otherToken),
        'UNAUTHENTICATED',
        'token_wrong_node',
      ],
      [
        'unknown token',
        attestBody(other, randomBytes(32).toString('base64url')),
        'UNAUTHENTICATED',
        'token_invalid',
      ],
      ['revoked node', attestBody(revoked, revokedToken), 'FORBIDDEN', 'node_revoked'],
      [
        'public key not a curve point',
        { ...attestBody(other, otherToken), public_key: Buffer.from(badKey).toString('base64') },
        'BAD_REQUEST',
        'issuer_invalid_subject_key',
      ],
      [
        'wrong service secret',
        {
          node_id: 'svc/auditor/i-1',
          public_key: attestBody(other, otherToken)['public_key'],
          attestation: { type: 'service', service: 'auditor', secret: 'wrong-secret-0123456789' },
        },
        'UNAUTHENTICATED',
        'service_attestation_failed',
      ],
      [
        'service without a configured secret',
        {
          node_id: 'svc/approvals/i-1',
          public_key: attestBody(other, otherToken)['public_key'],
          attestation: { type: 'service', service: 'approvals', secret: SERVICE_SECRET },
        },
        'UNAUTHENTICATED',
        'service_attestation_failed',
      ],
    ];
    for (const [name, body, code, reason] of cases) {
      const before = await snapshot(pool);
      const out = await call(nc(), FixedSubject.issuerAttest, body, CredentialReplySchema);
      expect({ name, out }).toEqual({ name, out: { ok: false, code, reason } });
      expect(await snapshot(pool), name).toBe(before);
    }

    // Expired: move the issuer's clock past the token lifetime (1 h).
    const before = await snapshot(pool);
    clock.offsetMs = 2 * 3600 * 1000;
    try {
      expect(await attest(nc(), late, lateToken)).toEqual({
        ok: false,
        code: 'UNAUTHENTICATED',
        reason: 'token_expired',
      });
    } finally {
      clock.offsetMs = 0;
    }
    expect(await snapshot(pool)).toBe(before);
    // The untouched tokens still work afterwards.
    expect((await attest(nc(), other, otherToken)).ok).toBe(true);
    expect((await attest(nc(), late, lateToken)).ok).toBe(true);
  });

  it('renew: forged PoP, stale ts, replayed nonce, other trust domain, unknown issuer, expired, revoked, unknown node', async () => {
    const node = newNode('node-renew-bad');
    await attest(nc(), node, await enroll(nc(), node.id));
    const held = node.held!;
    const nowS = Math.floor(Date.now() / 1000);

    const stranger = new Uint8Array(randomBytes(32));
    const foreign = issueCredential({
      issuerSeed: stranger,
      issuerId: 'root',
      trustDomain: 'other.fleet',
      subjectAgentId: node.id,
      subjectPubkey: publicKeyFromSeed(node.seed),
      nowS,
      ttlS: 600,
    });
    const unknownIssuer = issueCredential({
      issuerSeed: stranger,
      issuerId: 'not-ours',
      trustDomain: DOMAIN,
      subjectAgentId: node.id,
      subjectPubkey: publicKeyFromSeed(node.seed),
      nowS,
      ttlS: 600,
    });
    if (!foreign.ok || !unknownIssuer.ok) throw new Error('fixture');

    const replayed = renewBody(held, node.seed);
    const cases: [string, unknown, string, string][] = [
      [
        'forged PoP (another key)',
        renewBody(held, new Uint8Array(randomBytes(32))),
        'UNAUTHENTICATED',
        'renew_pop_bad_signature',
      ],
      [
        'stale ts',
        renewBody(held, node.seed, { ts: nowS - 120 }),
        'UNAUTHENTICATED',
        'renew_ts_out_of_window',
      ],
      [
        'future ts',
        renewBody(held, node.seed, { ts: nowS + 120 }),
        'UNAUTHENTICATED',
        'renew_ts_out_of_window',
      ],
      [
        'credential from another trust domain',
        renewBody({ credential: foreign.value.header, not_after: 0 }, node.seed),
        'UNAUTHENTICATED',
        'credential_wrong_trust_domain',
      ],
      [
        'credential of an unknown issuer',
        renewBody({ credential: unknownIssuer.value.header, not_after: 0 }, node.seed),
        'UNAUTHENTICATED',
        'credential_unknown_issuer',
      ],
      [
        'new public key not a curve point',
        renewBody(held, node.seed, { newKeyText: Buffer.from(notAPoint()).toString('base64') }),
        'BAD_REQUEST',
        'issuer_invalid_subject_key',
      ],
      [
        'garbled credential',
        { ...renewBody(held, node.seed), credential: 'v1=AAAA' },
        'UNAUTHENTICATED',
        'credential_malformed',
      ],
    ];
    for (const [name, body, code, reason] of cases) {
      const before = await snapshot(pool);
      const out = await call(nc(), FixedSubject.issuerRenew, body, CredentialReplySchema);
      expect({ name, out }).toEqual({ name, out: { ok: false, code, reason } });
      expect(await snapshot(pool), name).toBe(before);
    }

    // Replayed nonce: the first use renews, the replay is refused and changes nothing.
    const ok = await call(nc(), FixedSubject.issuerRenew, replayed, CredentialReplySchema);
    expect(ok.ok).toBe(true);
    const before = await snapshot(pool);
    expect(await call(nc(), FixedSubject.issuerRenew, replayed, CredentialReplySchema)).toEqual({
      ok: false,
      code: 'UNAUTHENTICATED',
      reason: 'renew_nonce_replay',
    });
    expect(await snapshot(pool)).toBe(before);
    if (ok.ok) node.held = ok.value;

    // Expired: the issuer's clock past not_after (leaf TTL 10 min): it must re-attest.
    clock.offsetMs = 11 * 60 * 1000;
    try {
      const expiredBody = renewBody(node.held!, node.seed, {
        ts: Math.floor(clock.nowMs() / 1000),
      });
      const snap = await snapshot(pool);
      expect(
        await call(nc(), FixedSubject.issuerRenew, expiredBody, CredentialReplySchema),
      ).toEqual({
        ok: false,
        code: 'UNAUTHENTICATED',
        reason: 'credential_expired',
      });
      expect(await snapshot(pool)).toBe(snap);
    } finally {
      clock.offsetMs = 0;
    }

    // Revoked node.
    await request(
      nc(),
      FixedSubject.issuerRevoke,
      { node_id: node.id, reason: 'test' },
      { schema: RevokeReplySchema },
    );
    const snap = await snapshot(pool);
    expect(
      await call(
        nc(),
        FixedSubject.issuerRenew,
        renewBody(node.held!, node.seed),
        CredentialReplySchema,
      ),
    ).toEqual({
      ok: false,
      code: 'FORBIDDEN',
      reason: 'node_revoked',
    });
    expect(await snapshot(pool)).toBe(snap);
  });

  it('a flood of garbage renewals is refused every time but does not flood the audit log', async () => {
    const bundle = await publishedBundle();
    const reason = 'renew_ts_out_of_window';
    const count = async () =>
      (await events(bundle)).filter(
        (e) => e.type === 'credential.denied' && e.data['reason'] === reason,
      );
    const before = (await count()).length;
    const node = newNode('node-flood');
    await attest(nc(), node, await enroll(nc(), node.id));
    const started = Date.now();
    const flood = 300;
    for (let i = 0; i < flood; i += 1) {
      const req = renewBody(node.held!, node.seed, { ts: Math.floor(Date.now() / 1000) - 3600 });
      await expect(
        handleRenew(issuer.handle.deps, req as Parameters<typeof handleRenew>[1]),
      ).rejects.toMatchObject({ code: 'UNAUTHENTICATED', details: { reason } });
    }
    const elapsedS = (Date.now() - started) / 1000;
    // A refusal after the bucket refilled is recorded and says how many were not.
    await new Promise((r) => setTimeout(r, 400));
    const last = renewBody(node.held!, node.seed, { ts: Math.floor(Date.now() / 1000) - 3600 });
    await expect(
      handleRenew(issuer.handle.deps, last as Parameters<typeof handleRenew>[1]),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await issuer.handle.deps.events.flush();
    const recorded = (await count()).slice(before);
    expect(recorded.length).toBeGreaterThanOrEqual(10); // earlier tests used a few tokens
    expect(recorded.length).toBeLessThanOrEqual(20 + Math.ceil((elapsedS + 1) * 5) + 1);
    expect(recorded.length).toBeLessThan(flood / 2);
    expect(String(recorded.at(-1)?.data['detail'])).toMatch(/^\d+ earlier refusals/);
    // The node itself is unaffected: a proper renewal still works.
    expect((await renew(nc(), node)).ok).toBe(true);
  });

  it('enroll and revoke refusals', async () => {
    const before = await snapshot(pool);
    expect(
      await call(nc(), FixedSubject.issuerEnroll, { node_id: 'svc/auditor/x' }, AnyObject),
    ).toEqual({
      ok: false,
      code: 'BAD_REQUEST',
      reason: 'service_namespace_reserved',
    });
    expect(
      await call(nc(), FixedSubject.issuerEnroll, { node_id: 'node-1', ttl_s: 0 }, AnyObject),
    ).toMatchObject({
      ok: false,
      code: 'BAD_REQUEST',
    });
    expect(
      await call(nc(), FixedSubject.issuerEnroll, { node_id: '../etc/passwd' }, AnyObject),
    ).toMatchObject({
      ok: false,
      code: 'BAD_REQUEST',
    });
    expect(
      await call(
        nc(),
        FixedSubject.issuerRevoke,
        { node_id: 'never-enrolled', reason: 'x' },
        AnyObject,
      ),
    ).toEqual({
      ok: false,
      code: 'NOT_FOUND',
      reason: 'node_unknown',
    });
    expect(await snapshot(pool)).toBe(before);
  });
});

describe('issuer: intermediates and services', () => {
  it('a region intermediate signs that region’s leaves and the chain verifies; other nodes stay root-signed', async () => {
    const inter = await request(
      nc(),
      FixedSubject.issuerIntermediate,
      { region: 'nyc' },
      { schema: CredentialReplySchema },
    );
    const interClaims = decodeCredential(inter.credential);
    expect(interClaims.ok && interClaims.value.claims.subject_agent_id).toBe('region/nyc/ca');
    expect(
      interClaims.ok && interClaims.value.claims.not_after - interClaims.value.claims.not_before,
    ).toBe(86_400 + 30);

    const node = newNode('region/nyc/node-7');
    await attest(nc(), node, await enroll(nc(), node.id, { region: 'nyc' }));
    const bundle = await publishedBundle();
    expect(node.held!.chain).toBeDefined();
    verifies(node.held!, bundle, node.id);
    const leaf = decodeCredential(node.held!.credential);
    expect(leaf.ok && leaf.value.claims.issuer_id).toBe('region/nyc/ca');
    expect((await renew(nc(), node)).ok).toBe(true);
    expect(node.held!.chain).toBeDefined();
    verifies(node.held!, bundle, node.id);

    const outside = newNode('node-in-nyc-outside-namespace');
    await attest(nc(), outside, await enroll(nc(), outside.id, { region: 'nyc' }));
    expect(outside.held!.chain).toBeUndefined();
    verifies(outside.held!, bundle, outside.id);
  });

  it('a service attests with its bootstrap secret as svc/<service>/<instance> and renews', async () => {
    const svc = newNode('svc/auditor/a-1');
    const out = await call(
      nc(),
      FixedSubject.issuerAttest,
      {
        node_id: svc.id,
        public_key: Buffer.from(publicKeyFromSeed(svc.seed)).toString('base64'),
        attestation: { type: 'service', service: 'auditor', secret: SERVICE_SECRET },
      },
      CredentialReplySchema,
    );
    expect(out.ok).toBe(true);
    if (out.ok) svc.held = out.value;
    verifies(svc.held!, await publishedBundle(), svc.id);
    expect((await renew(nc(), svc)).ok).toBe(true);
    const row = await pool.query('SELECT attestor, status FROM registrations WHERE node_id = $1', [
      svc.id,
    ]);
    expect(row.rows[0]).toEqual({ attestor: 'service', status: 'enrolled' });
  });
});
