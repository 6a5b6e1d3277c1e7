import { readFileSync } from 'node:fs';
import { verifyChain } from '@fedplane/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  latestStatus,
  startAgentWorld,
  startNodeAgent,
  testSettings,
  type AgentWorld,
} from './renewal-agent-fixtures.js';

/**
 * Issuer outage (issue 4, "Done when"): the issuer goes away right after the node attested and
 * stays away through the first renewal attempt and 3 × the renew lead window's worth of further
 * attempts (lead window 8 s; the outage ends 2 s before expiry). The agent keeps its credential,
 * retries with a backoff that tightens toward expiry (never more than a quarter of the time left),
 * recovers as soon as the issuer returns, and the node never holds an expired credential.
 */

const TTL_S = 24;
const LEAD_S = 8;
const NODE = 'region/lon/node-7';
const TOKEN = 'tok-outage-0123456789abcdefghij';

let world: AgentWorld;

beforeAll(async () => {
  world = await startAgentWorld({ ttlS: TTL_S, joinTokens: { [TOKEN]: NODE } });
});
afterAll(async () => {
  await world?.close();
});

describe('issuer outage shorter than the remaining lifetime', () => {
  it('keeps the credential, retries denser toward expiry, recovers, never lapses', async () => {
    const running = await startNodeAgent(world, {
      nodeId: NODE,
      joinToken: { kind: 'value', token: TOKEN },
      settings: testSettings({
        policy: {
          renewBeforeS: LEAD_S,
          minBackoffS: 1,
          maxBackoffS: 300,
          backoffFractionOfRemaining: 0.25,
        },
      }),
    });
    const agent = running.agent.agent(NODE)!;
    try {
      await eventually(() => agent.valid(), 10_000, 'attested');
      await world.issuer.stop();
      const first = agent.status()!;
      const notAfter = first.not_after;

      // Watch the node every 100 ms until the issuer returns 2 s before expiry.
      let lapses = 0;
      const returnAtMs = (notAfter - 2) * 1000;
      while (Date.now() < returnAtMs) {
        if (!agent.valid()) lapses += 1;
        const leaf = readFileSync(running.paths.credPath, 'utf8').trim();
        const ok = verifyChain({
          leaf,
          bundle: world.bundle(),
          nowS: Math.floor(Date.now() / 1000),
        }).ok;
        if (!ok) lapses += 1;
        expect(agent.status()?.credential_id).toBe(first.credential_id);
        await new Promise((r) => setTimeout(r, 100));
      }
      await world.issuer.start();

      const recovered = await eventually(
        () => {
          const s = agent.status();
          return s !== null && s.credential_id !== first.credential_id ? s : null;
        },
        4_000,
        'a renewal after the issuer returned',
      );
      expect(lapses).toBe(0);
      expect(recovered.not_after).toBeGreaterThan(notAfter);
      expect(Date.now() / 1000).toBeLessThanOrEqual(notAfter + 1);

      // The failed attempts, as the agent announced them (signed, with the planned retry time).
      const failed = world.events.filter(
        (e) => e.actor === NODE && e.type === 'credential.renewal_failed',
      );
      const inLeadWindow = failed.filter((e) => Date.parse(e.at) / 1000 >= notAfter - LEAD_S);
      expect(inLeadWindow.length).toBeGreaterThanOrEqual(3);
      const delays = failed.map((e) => {
        const atS = Date.parse(e.at) / 1000;
        const retryS = Date.parse(String(e.data['retry_at'])) / 1000;
        expect(e.attestation.attest_level).toBe('credential_signed');
        expect(e.data['credential_id']).toBe(first.credential_id);
        // Never more than a quarter of the time left (the 1 s floor aside).
        expect(retryS - atS).toBeLessThanOrEqual(Math.max(1, (notAfter - atS) / 4) + 0.05);
        return retryS - atS;
      });
      // Tightening: the last retries come faster than the slowest one before them.
      expect(Math.max(...delays)).toBeGreaterThan(delays.at(-1)!);
      expect(failed.map((e) => e.data['attempt'])).toEqual(failed.map((_, i) => i + 1));

      // Inside the lead window the agent said so, once, for that credential; nothing expired.
      const expiring = world.events.filter(
        (e) => e.type === 'credential.expiring' && e.data['credential_id'] === first.credential_id,
      );
      expect(expiring).toHaveLength(1);
      expect(expiring[0]!.attestation.attest_level).toBe('credential_signed');
      expect(world.events.filter((e) => e.type === 'credential.expired')).toEqual([]);

      // Recovery is announced and the status says so.
      await eventually(
        () =>
          world.events.find(
            (e) =>
              e.type === 'credential.renewed' &&
              e.data['credential_id'] === recovered.credential_id,
          ),
        3_000,
        'the renewed event',
      );
      const status = await eventually(
        async () => {
          const s = await latestStatus(world, NODE);
          return s?.body.credential_id === recovered.credential_id ? s : null;
        },
        3_000,
        'the recovered status',
      );
      expect(status.body.last_error).toBeUndefined();
      expect(status.attestation.attest_level).toBe('credential_signed');
    } finally {
      await running.stop();
    }
  });
});
