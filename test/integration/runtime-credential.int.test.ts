import { utf8, verifyChain, verifyEd25519 } from '@fedplane/core';
import {
  createCredentialHolder,
  createMetrics,
  natsIssuerClient,
  silentLog,
  sleep,
  systemClock,
  type CredentialHolder,
} from '@fedplane/runtime';
import {
  connectNats,
  startNatsServer,
  startTestIssuer,
  type NatsConnection,
  type NatsServerHandle,
  type TestIssuer,
} from '@fedplane/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The credential holder against a real nats-server and testkit's test issuer (real endpoints on
 * real NATS, built from core's issueCredential and verifyRenewPop), which the tests stop and
 * start again to cut the holder off from its issuer.
 */

const TTL_S = 6;
const SECRET = 'test-bootstrap-secret-0123456789';

let server: NatsServerHandle;
let issuerConnection: NatsConnection;
let holderConnection: NatsConnection;
let issuer: TestIssuer;
let holder: CredentialHolder;
const registry = createMetrics();
const controller = new AbortController();
let running: Promise<void>;

beforeAll(async () => {
  server = await startNatsServer();
  issuerConnection = await connectNats(server.url);
  holderConnection = await connectNats(server.url);
  issuer = await startTestIssuer({
    nc: issuerConnection,
    trustDomain: 'fleet.test',
    serviceSecret: SECRET,
    ttlS: TTL_S,
    publishBundle: false,
  });
  holder = createCredentialHolder({
    service: 'auditor',
    instance: 'it-1',
    secret: SECRET,
    issuer: natsIssuerClient(holderConnection, { timeoutMs: 1_000 }),
    clock: systemClock,
    log: silentLog,
    bundle: () => issuer.verifier(),
    maxAttestBackoffS: 1,
    registry,
  });
  running = holder.run(controller.signal);
});

afterAll(async () => {
  controller.abort();
  await running;
  await issuer.stop();
  await Promise.allSettled([issuerConnection.close(), holderConnection.close()]);
  await server.stop();
});

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

describe('credential holder', () => {
  it('attests, and its signer output verifies against the bundle', async () => {
    expect(await holder.whenHeld(AbortSignal.timeout(5_000))).toBe(true);
    expect(holder.agentId).toBe('svc/auditor/it-1');
    expect(holder.status()).toMatchObject({
      agent_id: 'svc/auditor/it-1',
      state: 'valid',
      failures: 0,
    });
    expect(holder.readiness()).toEqual({ ok: true });
    expect(issuer.counts.attest).toBe(1);

    const bytes = utf8('{"hello":"world"}');
    const signature = holder.signer.sign(bytes);
    const verified = verifyChain({
      leaf: holder.signer.credential(),
      chain: holder.signer.chain(),
      bundle: issuer.verifier(),
      nowS: Math.floor(Date.now() / 1000),
    });
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.value.subject_agent_id).toBe(holder.agentId);
    expect(verifyEd25519(verified.value.subject_pubkey, bytes, signature)).toBe(true);
    expect(verifyEd25519(verified.value.subject_pubkey, utf8('other'), signature)).toBe(false);

    const metrics = await registry.metrics();
    expect(metrics).toMatch(/^fedplane_credential_valid 1$/m);
    expect(metrics).toMatch(/^fedplane_credential_attempts_total\{kind="attest",result="ok"\} 1$/m);
  });

  it('renews by proof of possession before the credential expires', async () => {
    const first = holder.status();
    const firstNotAfter = first.not_after ?? 0;
    await until(() => holder.status().credential_id !== first.credential_id, (TTL_S + 1) * 1_000);
    expect(Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(firstNotAfter);
    expect(issuer.counts.renew).toBeGreaterThanOrEqual(1);
    expect(issuer.counts.attest).toBe(1);
    expect(issuer.counts.refused).toBe(0);
    expect(holder.status().not_after ?? 0).toBeGreaterThan(firstNotAfter);
  });

  it('keeps its credential while the issuer is down, re-attests after expiry, and recovers', async () => {
    // Stop right after a renewal, so the credential has nearly a full lifetime left.
    const before = holder.status().credential_id;
    await until(() => holder.status().credential_id !== before, (TTL_S + 1) * 1_000);
    await issuer.stop();
    const held = holder.status();
    const leaf = holder.signer.credential();

    // Renewal attempts fail; the valid credential stays in place.
    await until(() => holder.status().failures >= 1, TTL_S * 1_000);
    expect(holder.status()).toMatchObject({
      state: 'valid',
      credential_id: held.credential_id,
      last_error: expect.stringMatching(/^UNAVAILABLE/) as unknown,
    });
    expect(holder.signer.credential()).toBe(leaf);
    expect(holder.readiness()).toEqual({ ok: true });

    // Past not_after it is no longer valid: readiness fails and the signer refuses.
    await until(() => holder.status().state === 'expired', (TTL_S + 2) * 1_000);
    expect(holder.readiness()).toEqual({ ok: false, reason: 'credential expired' });
    expect(() => holder.signer.credential()).toThrow(/no valid credential/);
    expect(await registry.metrics()).toMatch(/^fedplane_credential_valid 0$/m);

    // The issuer comes back: the holder attests again and is valid.
    const attestsBefore = issuer.counts.attest;
    await issuer.start();
    await until(() => holder.status().state === 'valid', 5_000);
    expect(issuer.counts.attest).toBe(attestsBefore + 1);
    expect(holder.status()).toMatchObject({ state: 'valid', failures: 0 });
    expect(holder.status().last_error).toBeUndefined();
    expect(holder.status().credential_id).not.toBe(held.credential_id);
    expect(await registry.metrics()).toMatch(
      /^fedplane_credential_attempts_total\{kind="renew",result="error"\} [1-9]\d*$/m,
    );
  });
});
