import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGroupCommit, silentLog } from '@fedplane/runtime';
import { createTestDatabase, withPool, type TestDatabase } from '@fedplane/testkit';
import type { Pool } from 'pg';
import { migrateIssuer } from '../../services/issuer/src/adapters/pg-migrate.js';
import {
  readRegistration,
  writeRegistration,
} from '../../services/issuer/src/adapters/pg-registrations.js';
import {
  renewManyIfCurrent,
  type RenewWrite,
} from '../../services/issuer/src/adapters/pg-renew-cas.js';
import type { Registration } from '../../services/issuer/src/core/registration.js';

/**
 * The renewal fast path's batched compare-and-set (adapters/pg-renew-cas.ts) on real Postgres:
 * each renewal of a batch is compared on its own, only the written ones record their nonce and
 * stage their events, and a batch through the group commit answers every caller.
 */

const NOW = Date.parse('2026-11-24T10:00:00.000Z');

function registration(nodeId: string, generation = 1): Registration {
  return {
    nodeId,
    status: 'enrolled',
    region: 'r1',
    attestor: 'join-token',
    generation,
    credTtlS: 600,
    lastCredentialId: `${nodeId}#${String(generation)}`,
    prevCredentialId: null,
    lastNotAfter: 1_800_000_000,
    lastReply: '{}',
    lastPresentedAtMs: null,
  };
}

function renewal(expected: Registration, over: Partial<RenewWrite> = {}): RenewWrite {
  const next = expected.generation + 1;
  return {
    expected,
    presentedId: expected.lastCredentialId ?? '',
    generation: next,
    credentialId: `${expected.nodeId}#${String(next)}`,
    notAfter: 1_800_000_600,
    reply: `{"credential":"${expected.nodeId}"}`,
    nonce: `nonce-${expected.nodeId}-${String(next)}`,
    nonceExpiresMs: NOW + 600_000,
    nowMs: NOW,
    events: [
      {
        eventId: `evt-${expected.nodeId}-${String(next)}`,
        subject: `fed.evt.credential.issued.${expected.nodeId}`,
        body: new TextEncoder().encode(`{"node":"${expected.nodeId}"}`),
      },
    ],
    ...over,
  };
}

describe('issuer: batched renewal compare-and-set', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = withPool(db.url, 4);
    await migrateIssuer(pool, silentLog);
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const seed = async (regs: readonly Registration[]): Promise<void> => {
    for (const reg of regs) await writeRegistration(pool, reg, { nowMs: NOW, enrolled: true });
  };
  const outboxIds = async (): Promise<string[]> =>
    (
      await pool.query<{ event_id: string }>('SELECT event_id FROM event_outbox ORDER BY 1')
    ).rows.map((r) => r.event_id);

  it('writes each renewal whose registration still matches, and only those', async () => {
    const regs = ['n-a', 'n-b', 'n-c', 'n-d'].map((id) => registration(id));
    await seed(regs);
    const [a, b, c, d] = regs as [Registration, Registration, Registration, Registration];
    const stale = { ...c, generation: 7 };
    const written = await renewManyIfCurrent(pool, [
      renewal(a),
      renewal(b),
      renewal(stale),
      renewal(d, { presentedId: 'n-d#0' }),
    ]);
    expect(written).toEqual([true, true, false, false]);
    expect((await readRegistration(pool, 'n-a'))?.lastCredentialId).toBe('n-a#2');
    expect((await readRegistration(pool, 'n-b'))?.generation).toBe(2);
    expect((await readRegistration(pool, 'n-c'))?.lastCredentialId).toBe('n-c#1');
    expect((await readRegistration(pool, 'n-d'))?.lastCredentialId).toBe('n-d#1');
    expect(await outboxIds()).toEqual(['evt-n-a-2', 'evt-n-b-2']);
    const nonces = await pool.query<{ node_id: string }>(
      'SELECT node_id FROM renew_nonces ORDER BY 1',
    );
    expect(nonces.rows.map((r) => r.node_id)).toEqual(['n-a', 'n-b']);
  });

  it('refuses a used nonce and lets only one of two renewals of one node win', async () => {
    const [e, f] = [registration('n-e'), registration('n-f')];
    await seed([e, f]);
    await pool.query('INSERT INTO renew_nonces (node_id, nonce, expires_at) VALUES ($1, $2, $3)', [
      'n-e',
      'used',
      new Date(NOW + 60_000),
    ]);
    const written = await renewManyIfCurrent(pool, [
      renewal(e, { nonce: 'used' }),
      renewal(f),
      renewal(f, { nonce: 'other', credentialId: 'n-f#2b', events: [] }),
    ]);
    expect(written.filter(Boolean)).toHaveLength(1);
    expect(written[0]).toBe(false);
    const row = await readRegistration(pool, 'n-f');
    expect(row?.generation).toBe(2);
    expect(['n-f#2', 'n-f#2b']).toContain(row?.lastCredentialId);
  });

  it('answers every caller of a group-committed burst, in fewer statements', async () => {
    const regs = Array.from({ length: 60 }, (_, i) => registration(`burst-${String(i)}`));
    await seed(regs);
    const queue = createGroupCommit((items: readonly RenewWrite[]) =>
      renewManyIfCurrent(pool, items),
    );
    const results = await Promise.all(regs.map((reg) => queue.submit(renewal(reg))));
    expect(results.every(Boolean)).toBe(true);
    expect(queue.batches()).toBeLessThan(regs.length);
    const ids = await outboxIds();
    for (const reg of regs) expect(ids).toContain(`evt-${reg.nodeId}-2`);
    // A second burst repeating the same renewals: the compare fails for all of them.
    const again = await Promise.all(regs.map((reg) => queue.submit(renewal(reg))));
    expect(again.some(Boolean)).toBe(false);
  });
});
