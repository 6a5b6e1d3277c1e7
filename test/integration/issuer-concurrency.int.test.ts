import {
  CredentialReplySchema,
  decodeCredential,
  toVerifierBundle,
  verifyChain,
  type AttestRequest,
  type CredentialReply,
  type TrustBundle,
  type VerifierBundle,
} from '@fedplane/core';
import {
  FixedSubject,
  KvKey,
  connectBus,
  watchTrustBundle,
  type Bus,
  type TrustWatch,
} from '@fedplane/messaging';
import { silentLog } from '@fedplane/runtime';
import {
  createTestDatabase,
  startNatsServer,
  type NatsServerHandle,
  type TestDatabase,
} from '@fedplane/testkit';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RotateReplySchema,
  ISSUER_ROTATE_SUBJECT,
} from '../../services/issuer/src/adapters/admin-rotate.js';
import { handleAttest } from '../../services/issuer/src/shell/handle-attest.js';
import { handleRenew } from '../../services/issuer/src/shell/handle-renew.js';
import {
  AnyObject,
  attestBody,
  call,
  enroll,
  issuerPool,
  newNode,
  renew,
  renewBody,
  startTestIssuer,
  streamEvents,
  tempKeyDir,
  testConfig,
  type TestIssuer,
  type TestNode,
} from './issuer-fixtures.js';

/**
 * Several issuer instances over one database and one key directory (queue group `q`): they
 * bootstrap together onto one root key, a join token is consumed exactly once when instances race
 * for it, a renewal nonce is accepted once, and issuer-key rotation is publish-before-use — a
 * verifier watching the bundle verifies every credential at the moment it is received, old and
 * new keys alike.
 */

let server: NatsServerHandle;
let db: TestDatabase;
let pool: Pool;
let a: TestIssuer;
let b: TestIssuer;
let client: Bus;

beforeAll(async () => {
  server = await startNatsServer();
  db = await createTestDatabase();
  pool = issuerPool(db.url, 20);
  const keyDir = tempKeyDir();
  const config = () =>
    testConfig({
      natsUrl: server.url,
      databaseUrl: db.url,
      keyDir,
      env: { ISSUER_REFRESH_HINT_S: '1' },
    });
  // Both start at once on an empty database and an empty key directory.
  [a, b] = await Promise.all([
    startTestIssuer({ config: config(), pool }),
    startTestIssuer({ config: config(), pool }),
  ]);
  client = await connectBus({ servers: server.url, name: 'client', log: silentLog });
});

afterAll(async () => {
  await client?.close();
  await a?.stop();
  await b?.stop();
  await pool?.end();
  await db?.drop();
  await server?.stop();
});

const nc = () => client.nc;

describe('issuer instances share one state', () => {
  it('two instances bootstrapping together end up on one root key and one bundle', async () => {
    expect(a.handle.trust.published()).toEqual(b.handle.trust.published());
    expect(a.handle.trust.published()?.sequence).toBe(1);
    const keyA = await a.handle.trust.signingKey();
    const keyB = await b.handle.trust.signingKey();
    expect(keyA.issuerId).toBe('root');
    expect(Buffer.from(keyA.seed).equals(Buffer.from(keyB.seed))).toBe(true);
    const rows = await pool.query('SELECT count(*)::int AS n FROM trust_bundles');
    expect(rows.rows[0].n).toBe(1);
  });

  it('a join token raced by concurrent requests through NATS is consumed exactly once', async () => {
    const node = newNode('node-race-nats');
    const token = await enroll(nc(), node.id);
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        call(nc(), FixedSubject.issuerAttest, attestBody(node, token), CredentialReplySchema),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results.filter((x) => !x.ok))
      expect(r).toEqual({ ok: false, code: 'CONFLICT', reason: 'token_used' });
    const reg = await pool.query('SELECT generation FROM registrations WHERE node_id = $1', [
      node.id,
    ]);
    expect(Number(reg.rows[0].generation)).toBe(2);
  });

  it('two instances racing on one join token (each handling one request): exactly one success', async () => {
    for (let round = 0; round < 5; round += 1) {
      const node = newNode(`node-race-direct-${round}`);
      const token = await enroll(nc(), node.id);
      const req = attestBody(node, token) as AttestRequest;
      const settled = await Promise.allSettled([
        handleAttest(a.handle.deps, req),
        handleAttest(b.handle.deps, req),
      ]);
      const ok = settled.filter((s) => s.status === 'fulfilled');
      const refused = settled.filter((s) => s.status === 'rejected');
      expect(ok).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
        code: 'CONFLICT',
        details: { reason: 'token_used' },
      });
      const used = await pool.query('SELECT used_at FROM join_tokens WHERE node_id = $1', [
        node.id,
      ]);
      expect(used.rows).toHaveLength(1);
      expect(used.rows[0].used_at).not.toBeNull();
    }
  });

  it('one renewal nonce raced on both instances is accepted once', async () => {
    const node = newNode('node-race-nonce');
    const token = await enroll(nc(), node.id);
    const attested = await handleAttest(a.handle.deps, attestBody(node, token) as AttestRequest);
    const req = renewBody(attested, node.seed) as Parameters<typeof handleRenew>[1];
    const settled = await Promise.allSettled([
      handleRenew(a.handle.deps, req),
      handleRenew(b.handle.deps, req),
    ]);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    const refused = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({
      code: 'UNAUTHENTICATED',
      details: { reason: 'renew_nonce_replay' },
    });
  });
});

describe('issuer: the renewal fast path under races', () => {
  it('one renew request replayed 8 times across both instances is accepted once', async () => {
    const node = newNode('node-race-replay');
    const token = await enroll(nc(), node.id);
    const attested = await handleAttest(a.handle.deps, attestBody(node, token) as AttestRequest);
    // a signed it (cached there); b has never seen it.
    const req = renewBody(attested, node.seed) as Parameters<typeof handleRenew>[1];
    const settled = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => handleRenew((i % 2 === 0 ? a : b).handle.deps, req)),
    );
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    for (const s of settled.filter((x) => x.status === 'rejected')) {
      expect(s.reason).toMatchObject({
        code: 'UNAUTHENTICATED',
        details: { reason: 'renew_nonce_replay' },
      });
    }
  });

  it('one credential renewed concurrently with fresh nonces: one issuance, every caller gets its bytes', async () => {
    const node = newNode('node-race-fresh');
    const token = await enroll(nc(), node.id);
    const attested = await handleAttest(a.handle.deps, attestBody(node, token) as AttestRequest);
    const before = await pool.query<{ generation: string }>(
      'SELECT generation FROM registrations WHERE node_id = $1',
      [node.id],
    );
    const replies = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        handleRenew(
          (i % 2 === 0 ? a : b).handle.deps,
          renewBody(attested, node.seed) as Parameters<typeof handleRenew>[1],
        ),
      ),
    );
    expect(new Set(replies.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(replies[0]!.credential).not.toBe(attested.credential);
    const after = await pool.query<{ generation: string; status: string }>(
      'SELECT generation, status FROM registrations WHERE node_id = $1',
      [node.id],
    );
    expect(Number(after.rows[0]!.generation)).toBe(Number(before.rows[0]!.generation) + 1);
    expect(after.rows[0]!.status).toBe('enrolled');
    // The new credential renews on either instance (fast path on a, read-then-CAS on b).
    const next = await handleRenew(
      b.handle.deps,
      renewBody(replies[0]!, node.seed) as Parameters<typeof handleRenew>[1],
    );
    const again = await handleRenew(
      a.handle.deps,
      renewBody(next, node.seed) as Parameters<typeof handleRenew>[1],
    );
    expect(again.credential).not.toBe(next.credential);
  });
});

describe('issuer: the KV mirror', () => {
  it('a wiped bundle key is published again from the database', async () => {
    const kv = await client.kvm.open('fed-trust');
    const before = (await kv.get(KvKey.bundle))?.json<TrustBundle>();
    await kv.purge(KvKey.bundle);
    let restored: TrustBundle | undefined;
    for (let i = 0; i < 50 && restored === undefined; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      const entry = await kv.get(KvKey.bundle);
      if (entry?.operation === 'PUT') restored = entry.json<TrustBundle>();
    }
    expect(restored).toEqual(before);
  });
});

describe('issuer key rotation: publish before use', () => {
  it('old and new keys verify throughout; nothing is signed by a key before verifiers hold it', async () => {
    const watcherBus = await connectBus({ servers: server.url, name: 'verifier', log: silentLog });
    const kv = await watcherBus.kvm.open('fed-trust');
    const seen: { atMs: number; bundle: TrustBundle }[] = [];
    const watch: TrustWatch = watchTrustBundle(kv, {
      log: silentLog,
      onChange: (bundle) => seen.push({ atMs: Date.now(), bundle }),
    });
    await watch.ready;
    try {
      const nodes: TestNode[] = [];
      for (let i = 0; i < 4; i += 1) {
        const node = newNode(`node-rot-${i}`);
        const token = await enroll(nc(), node.id);
        const out = await call(
          nc(),
          FixedSubject.issuerAttest,
          attestBody(node, token),
          CredentialReplySchema,
        );
        if (!out.ok) throw new Error('attest');
        node.held = out.value;
        nodes.push(node);
      }
      const received: { atMs: number; reply: CredentialReply; issuer: string }[] = [];
      const check = (reply: CredentialReply, verifier: VerifierBundle | undefined): string => {
        const result = verifyChain({
          leaf: reply.credential,
          bundle: verifier!,
          nowS: Math.floor(Date.now() / 1000),
        });
        expect(result).toMatchObject({ ok: true });
        return result.ok ? result.value.issuer_id : '';
      };
      let stop = false;
      const traffic = (async () => {
        while (!stop) {
          for (const node of nodes) {
            const out = await renew(nc(), node, { rotate: received.length % 3 === 0 });
            if (!out.ok) throw new Error(`renew failed: ${String(out.reason)}`);
            // Verified against what this verifier holds at the moment of receipt.
            received.push({
              atMs: Date.now(),
              reply: out.value,
              issuer: check(out.value, watch.current()),
            });
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      })();

      await new Promise((r) => setTimeout(r, 400));
      const rotated = await call(nc(), ISSUER_ROTATE_SUBJECT, {}, RotateReplySchema);
      expect(rotated.ok).toBe(true);
      if (!rotated.ok) return;
      expect(rotated.value).toMatchObject({ issuer_id: 'root-2', bundle_sequence: 2 });
      const rotatedAt = Date.now();
      // A second rotation while the next key is pending is refused.
      expect(await call(nc(), ISSUER_ROTATE_SUBJECT, {}, AnyObject)).toEqual({
        ok: false,
        code: 'CONFLICT',
        reason: 'trust_bundle_next_exists',
      });
      const activatesAt = Date.parse(rotated.value.activates_at);
      expect(activatesAt - rotatedAt).toBeGreaterThan(2_000); // refresh_hint_s (1) × 3, minus request time

      // Wait until the new key signs, plus a little traffic after.
      for (let i = 0; i < 100 && !received.some((r) => r.issuer === 'root-2'); i += 1) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 500));
      stop = true;
      await traffic;

      const firstNew = received.find((r) => r.issuer === 'root-2');
      expect(firstNew).toBeDefined();
      expect(firstNew!.atMs).toBeGreaterThanOrEqual(activatesAt);
      expect(received.some((r) => r.issuer === 'root')).toBe(true);
      // The verifier held root-2 (as next) long before the first credential it signed arrived.
      const heldNext = seen.find((s) => s.bundle.keys.some((k) => k.issuer_id === 'root-2'));
      expect(heldNext).toBeDefined();
      expect(firstNew!.atMs - heldNext!.atMs).toBeGreaterThanOrEqual(2_500);
      expect(heldNext!.bundle.keys.find((k) => k.issuer_id === 'root-2')?.state).toBe('next');

      // Both instances now sign with the new key; the old key stays (retired) and still verifies.
      expect((await a.handle.trust.signingKey()).issuerId).toBe('root-2');
      expect((await b.handle.trust.signingKey()).issuerId).toBe('root-2');
      const final = watch.bundle()!;
      expect(final.keys.map((k) => [k.issuer_id, k.state])).toEqual([
        ['root', 'retired'],
        ['root-2', 'active'],
      ]);
      const oldOne = received.filter((r) => r.issuer === 'root').at(-1)!;
      check(oldOne.reply, toVerifierBundle(final));
      const claims = decodeCredential(oldOne.reply.credential);
      expect(claims.ok && claims.value.claims.issuer_id).toBe('root');

      // The KV sequence only grew: 1 (bootstrap, re-published after the purge), 2 (next), 3.
      const history = await kv.history({ key: KvKey.bundle });
      const sequences: number[] = [];
      for await (const entry of history) {
        if (entry.operation === 'PUT') sequences.push(entry.json<TrustBundle>().sequence);
      }
      expect(sequences.slice(-3)).toEqual([1, 2, 3]);
      expect([...sequences].sort((x, y) => x - y)).toEqual(sequences);

      // Every step was audited as an issuer-signed issuer.key_rotated event.
      let steps: string[] = [];
      for (let i = 0; i < 40; i += 1) {
        steps = (await streamEvents(client, final))
          .filter((e) => e.type === 'issuer.key_rotated')
          .map((e) => {
            expect(e.level).toBe('issuer_signed');
            return `${String(e.data['issuer_id'])}:${String(e.data['step'])}:${String(e.data['bundle_sequence'])}`;
          });
        if (steps.length >= 4) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(steps.sort()).toEqual([
        'root-2:activated:3',
        'root-2:published_next:2',
        'root:activated:1',
        'root:retired:3',
      ]);
    } finally {
      await watch.stop();
      await watcherBus.close();
    }
  });
});
