import { randomBytes } from 'node:crypto';
import {
  AppError,
  AttestRequestSchema,
  ErrorCode,
  RenewRequestSchema,
  constantTimeEqual,
  createTrustBundle,
  issueCredential,
  publicKeyFromSeed,
  sha256,
  toVerifierBundle,
  utf8,
  verifyChain,
  verifyEd25519,
  verifyRenewPop,
  type CredentialReply,
  type VerifierBundle,
} from '@fedplane/core';
import { FixedSubject, addServiceEndpoints, defineEndpoint } from '@fedplane/messaging';
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
  type NatsConnection,
  type NatsServerHandle,
} from '@fedplane/testkit';
import type { Service } from '@nats-io/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The credential holder against a real nats-server and a small TEST issuer defined here (the
 * issuer service does not exist yet). The test issuer is scaffolding, not a mock of NATS: it
 * serves `fed.issuer.attest` / `fed.issuer.renew` through the messaging endpoints with core's
 * issueCredential, verifyChain and verifyRenewPop, and can be stopped and started again.
 */

const TTL_S = 6;
const SECRET = 'test-bootstrap-secret-0123456789';

type TestIssuer = {
  readonly bundle: VerifierBundle;
  readonly counts: { attest: number; renew: number; refused: number };
  start(): Promise<void>;
  stop(): Promise<void>;
};

function testIssuer(nc: NatsConnection): TestIssuer {
  const seed = new Uint8Array(randomBytes(32));
  const created = createTrustBundle(
    {
      trustDomain: 'fleet.test',
      refreshHintS: 60,
      issuerId: 'root',
      publicKey: publicKeyFromSeed(seed),
    },
    Date.now(),
  );
  if (!created.ok) throw new Error('test bundle');
  const bundle = toVerifierBundle(created.value);
  const secretHash = sha256(utf8(SECRET));
  const nonces = new Set<string>();
  const counts = { attest: 0, renew: 0, refused: 0 };
  const nowS = (): number => Math.floor(Date.now() / 1000);
  const refuse = (code: ErrorCode, reason: string): never => {
    counts.refused += 1;
    throw new AppError(code, 'refused', { details: { reason } });
  };
  const issue = (subject: string, key: Uint8Array): CredentialReply => {
    const issued = issueCredential({
      issuerSeed: seed,
      issuerId: 'root',
      trustDomain: 'fleet.test',
      subjectAgentId: subject,
      subjectPubkey: key,
      nowS: nowS(),
      ttlS: TTL_S,
    });
    if (!issued.ok) return refuse(ErrorCode.BAD_REQUEST, issued.error.tag);
    return { credential: issued.value.header, not_after: issued.value.claims.not_after };
  };
  const attest = defineEndpoint({
    subject: FixedSubject.issuerAttest,
    schema: AttestRequestSchema,
    handler: (req) => {
      const { attestation } = req;
      if (
        attestation.type !== 'service' ||
        !constantTimeEqual(sha256(utf8(attestation.secret)), secretHash)
      ) {
        return refuse(ErrorCode.UNAUTHENTICATED, 'attestation_failed');
      }
      counts.attest += 1;
      return Promise.resolve(issue(req.node_id, Buffer.from(req.public_key, 'base64')));
    },
  });
  const renew = defineEndpoint({
    subject: FixedSubject.issuerRenew,
    schema: RenewRequestSchema,
    handler: (req) => {
      const now = nowS();
      const verified = verifyChain({ leaf: req.credential, chain: req.chain, bundle, nowS: now });
      if (!verified.ok) return refuse(ErrorCode.UNAUTHENTICATED, verified.error.tag);
      const pop = verifyRenewPop(
        verified.value.subject_pubkey,
        {
          credential: req.credential,
          newPublicKey: req.new_public_key ?? '',
          nonce: req.nonce,
          ts: req.ts,
        },
        req.pop,
      );
      if (!pop.ok) return refuse(ErrorCode.UNAUTHENTICATED, pop.error.tag);
      if (Math.abs(req.ts - now) > 60) return refuse(ErrorCode.UNAUTHENTICATED, 'renew_ts_skew');
      if (nonces.has(req.nonce)) return refuse(ErrorCode.CONFLICT, 'renew_nonce_replayed');
      nonces.add(req.nonce);
      counts.renew += 1;
      return Promise.resolve(issue(verified.value.subject_agent_id, verified.value.subject_pubkey));
    },
  });
  let service: Service | undefined;
  return {
    bundle,
    counts,
    start: async () => {
      service = await addServiceEndpoints(nc, {
        name: 'issuer',
        version: '0.0.1',
        description: 'test issuer',
        log: silentLog,
        endpoints: [attest, renew],
      });
    },
    stop: async () => {
      await service?.stop();
      service = undefined;
    },
  };
}

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
  issuer = testIssuer(issuerConnection);
  await issuer.start();
  holder = createCredentialHolder({
    service: 'auditor',
    instance: 'it-1',
    secret: SECRET,
    issuer: natsIssuerClient(holderConnection, { timeoutMs: 1_000 }),
    clock: systemClock,
    log: silentLog,
    bundle: () => issuer.bundle,
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
      bundle: issuer.bundle,
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
