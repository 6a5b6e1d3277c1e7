import {
  ErrorCode,
  createTrustBundle,
  issueCredential,
  publicKeyFromSeed,
  toVerifierBundle,
  verifyChain,
  verifyRenewPop,
  type AttestRequest,
  type RenewRequest,
  type VerifierBundle,
} from '@fedplane/core';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';
import { createCredentialHolder, type CredentialHolderOptions } from './credential-holder.js';
import { generateServiceKey } from './credential-key.js';
import type { IssuerClient, IssuerResult } from './issuer-client.js';
import { silentLog } from './logger.js';

const T0 = Date.UTC(2027, 0, 1);
const ISSUER_SEED = new Uint8Array(32).fill(9);
const created = createTrustBundle(
  {
    trustDomain: 'fleet.test',
    refreshHintS: 60,
    issuerId: 'root',
    publicKey: publicKeyFromSeed(ISSUER_SEED),
  },
  T0,
);
if (!created.ok) throw new Error('fixture');
const BUNDLE: VerifierBundle = toVerifierBundle(created.value);

type Behaviour = 'ok' | 'same' | 'wrong-key' | 'refuse' | 'throw' | 'down';

/** An issuer behind the port: issues real credentials, or misbehaves as scripted. */
function fakeIssuer(ttlS = 60) {
  const calls: { kind: 'attest' | 'renew'; request: AttestRequest | RenewRequest }[] = [];
  const script: Behaviour[] = [];
  let last: IssuerResult | undefined;
  const nowS = (): number => Math.floor(Date.now() / 1000);
  const mint = (subject: string, key: Uint8Array): IssuerResult => {
    const issued = issueCredential({
      issuerSeed: ISSUER_SEED,
      issuerId: 'root',
      trustDomain: 'fleet.test',
      subjectAgentId: subject,
      subjectPubkey: key,
      nowS: nowS(),
      ttlS,
    });
    if (!issued.ok) throw new Error('mint');
    last = {
      ok: true,
      value: { credential: issued.value.header, not_after: issued.value.claims.not_after },
    };
    return last;
  };
  const respond = (subject: string, key: Uint8Array): Promise<IssuerResult> => {
    const behaviour = script.shift() ?? 'ok';
    switch (behaviour) {
      case 'ok':
        return Promise.resolve(mint(subject, key));
      case 'same':
        return Promise.resolve(last ?? mint(subject, key));
      case 'wrong-key':
        return Promise.resolve(mint(subject, generateServiceKey().publicKey));
      case 'refuse':
        return Promise.resolve({
          ok: false,
          error: {
            code: ErrorCode.UNAUTHENTICATED,
            message: 'refused',
            reason: 'credential_superseded',
          },
        });
      case 'down':
        return Promise.resolve({
          ok: false,
          error: { code: ErrorCode.UNAVAILABLE, message: 'service unavailable' },
        });
      case 'throw':
        return Promise.reject(new Error('socket hang up'));
    }
  };
  const client: IssuerClient = {
    attest: (request) => {
      calls.push({ kind: 'attest', request });
      return respond(request.node_id, Buffer.from(request.public_key, 'base64'));
    },
    renew: (request) => {
      calls.push({ kind: 'renew', request });
      const verified = verifyChain({ leaf: request.credential, bundle: BUNDLE, nowS: nowS() });
      if (!verified.ok) throw new Error(`renew with a bad credential: ${verified.error.tag}`);
      const pop = verifyRenewPop(
        verified.value.subject_pubkey,
        { credential: request.credential, newPublicKey: '', nonce: request.nonce, ts: request.ts },
        request.pop,
      );
      if (!pop.ok) throw new Error(`bad pop: ${pop.error.tag}`);
      return respond(verified.value.subject_agent_id, verified.value.subject_pubkey);
    },
  };
  return { client, calls, script };
}

function holderWith(issuer: IssuerClient, over: Partial<CredentialHolderOptions> = {}) {
  return createCredentialHolder({
    service: 'reconciler',
    instance: 'r-1',
    secret: 's'.repeat(20),
    issuer,
    clock: systemClock,
    log: silentLog,
    bundle: () => BUNDLE,
    random: () => 0.5,
    maxAttestBackoffS: 4,
    ...over,
  });
}

let controller: AbortController;
beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  controller = new AbortController();
});
afterEach(() => {
  controller.abort();
  vi.useRealTimers();
});

describe('createCredentialHolder', () => {
  it('attests as svc/<service>/<instance> and signs with the attested key', async () => {
    const issuer = fakeIssuer();
    const key = generateServiceKey();
    const holder = holderWith(issuer.client, { key });
    expect(holder.status()).toEqual({ agent_id: 'svc/reconciler/r-1', state: 'none', failures: 0 });
    expect(holder.readiness()).toEqual({ ok: false, reason: 'no credential' });
    expect(() => holder.signer.credential()).toThrow(/no valid credential/);
    const held = holder.whenHeld(controller.signal);
    void holder.run(controller.signal);
    await vi.advanceTimersByTimeAsync(0);
    expect(await held).toBe(true);
    expect(issuer.calls[0]).toEqual({
      kind: 'attest',
      request: {
        node_id: 'svc/reconciler/r-1',
        public_key: Buffer.from(key.publicKey).toString('base64'),
        attestation: { type: 'service', service: 'reconciler', secret: 's'.repeat(20) },
      },
    });
    expect(holder.status()).toMatchObject({
      state: 'valid',
      issuer_id: 'root',
      not_after: T0 / 1000 + 60,
      last_renewal_at: T0 / 1000,
    });
    expect(holder.publicKey).toEqual(key.publicKey);
    expect(holder.signer.chain()).toBeUndefined();
    expect(await holder.whenHeld(controller.signal)).toBe(true);
  });

  it('renews at the jittered half-life of the issued lifetime, with proof of possession', async () => {
    const issuer = fakeIssuer(60);
    const holder = holderWith(issuer.client);
    void holder.run(controller.signal);
    await vi.advanceTimersByTimeAsync(0);
    const first = holder.status().credential_id;
    // random 0.5 → 50 % of 60 s; not_before is back-dated 30 s and does not count.
    await vi.advanceTimersByTimeAsync(29_000);
    expect(issuer.calls.map((c) => c.kind)).toEqual(['attest']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(issuer.calls.map((c) => c.kind)).toEqual(['attest', 'renew']);
    expect(holder.status().credential_id).not.toBe(first);
    const renew = issuer.calls[1]?.request as RenewRequest;
    expect(renew.ts).toBe(T0 / 1000 + 30);
    expect(renew.nonce).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('keeps identical claims without churn and counts them as unchanged', async () => {
    const issuer = fakeIssuer(60);
    const registry = new Registry();
    const holder = holderWith(issuer.client, { registry });
    void holder.run(controller.signal);
    await vi.advanceTimersByTimeAsync(0);
    const first = holder.status();
    issuer.script.push('same');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(issuer.calls.map((c) => c.kind)).toEqual(['attest', 'renew']);
    expect(holder.status().credential_id).toBe(first.credential_id);
    expect(holder.status().failures).toBe(0);
    const text = await registry.metrics();
    expect(text).toMatch(/fedplane_credential_attempts_total\{kind="renew",result="unchanged"\} 1/);
    expect(text).toMatch(/^fedplane_credential_not_after_seconds \d+$/m);
  });

  it('refuses a credential for another key and retries attestation with backoff', async () => {
    const issuer = fakeIssuer();
    issuer.script.push('wrong-key', 'throw', 'down');
    const holder = holderWith(issuer.client);
    void holder.run(controller.signal);
    await vi.advanceTimersByTimeAsync(0);
    expect(holder.status()).toMatchObject({
      state: 'none',
      failures: 1,
      last_error: 'refused: accept_key_mismatch',
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(holder.status()).toMatchObject({
      failures: 2,
      last_error: 'UNAVAILABLE: socket hang up',
    });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(holder.status()).toMatchObject({
      failures: 3,
      last_error: 'UNAVAILABLE: service unavailable',
    });
    // Backoff is capped at maxAttestBackoffS (4 s).
    await vi.advanceTimersByTimeAsync(4_000);
    expect(holder.status()).toMatchObject({ state: 'valid', failures: 0 });
    expect(holder.status().last_error).toBeUndefined();
    expect(issuer.calls.map((c) => c.kind)).toEqual(['attest', 'attest', 'attest', 'attest']);
  });

  it('keeps the valid credential when renewal is refused, then re-attests', async () => {
    const issuer = fakeIssuer(60);
    const holder = holderWith(issuer.client);
    void holder.run(controller.signal);
    await vi.advanceTimersByTimeAsync(0);
    const held = holder.status();
    const leaf = holder.signer.credential();
    issuer.script.push('refuse');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(holder.status()).toMatchObject({
      state: 'valid',
      credential_id: held.credential_id,
      failures: 1,
      last_error: 'UNAUTHENTICATED credential_superseded: refused',
    });
    expect(holder.signer.credential()).toBe(leaf);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(issuer.calls.map((c) => c.kind)).toEqual(['attest', 'renew', 'attest']);
    expect(holder.status()).toMatchObject({ state: 'valid', failures: 0 });
    expect(holder.status().credential_id).not.toBe(held.credential_id);
  });

  it('goes expired when the issuer stays down, and re-attests when it returns', async () => {
    const issuer = fakeIssuer(10);
    const holder = holderWith(issuer.client, { bundle: () => undefined });
    void holder.run(controller.signal);
    await vi.advanceTimersByTimeAsync(0);
    issuer.script.push(...Array<Behaviour>(12).fill('down'));
    await vi.advanceTimersByTimeAsync(11_000);
    expect(holder.status().state).toBe('expired');
    expect(holder.readiness()).toEqual({ ok: false, reason: 'credential expired' });
    expect(() => holder.signer.credential()).toThrow(/no valid credential/);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(holder.status().state).toBe('valid');
    expect(issuer.calls.at(-1)?.kind).toBe('attest');
  });

  it('whenHeld resolves false when aborted first', async () => {
    const holder = holderWith(fakeIssuer().client);
    const local = new AbortController();
    const pending = holder.whenHeld(local.signal);
    local.abort();
    expect(await pending).toBe(false);
    expect(await holder.whenHeld(local.signal)).toBe(false);
  });

  it.each(['has/slash', '', 'bad id'])('refuses instance %j', (instance) => {
    expect(() => holderWith(fakeIssuer().client, { instance })).toThrow(RangeError);
  });
});
