import { describe, expect, it } from 'vitest';
import {
  encodeChain,
  fromBase64,
  fromUtf8,
  issueCredential,
  publicKeyFromSeed,
  utf8,
  type VerifierBundle,
} from '@fedplane/core';
import fc from 'fast-check';
import { signKvEnvelope, verifyKvEnvelope } from './kv-envelope.js';
import { isIssuerSigner, seedCredentialSigner, seedIssuerSigner } from './signer.js';

const NOW = 1_900_000_000;
const ROOT = new Uint8Array(32).fill(1);
const CA = new Uint8Array(32).fill(3);
const KEY = new Uint8Array(32).fill(7);
const bundle: VerifierBundle = {
  trustDomain: 'fleet.example',
  keys: new Map([['root', publicKeyFromSeed(ROOT)]]),
};

function issue(by: readonly [Uint8Array, string], subject: string, key: Uint8Array) {
  const result = issueCredential({
    issuerSeed: by[0],
    issuerId: by[1],
    trustDomain: 'fleet.example',
    subjectAgentId: subject,
    subjectPubkey: publicKeyFromSeed(key),
    nowS: NOW,
    ttlS: 3600,
  });
  if (!result.ok) throw new Error(result.error.tag);
  return result.value;
}

const reconciler = issue([ROOT, 'root'], 'svc/reconciler/r-1', KEY);
const signer = seedCredentialSigner({
  agentId: 'svc/reconciler/r-1',
  seed: KEY,
  credential: () => reconciler.header,
});
const posture = utf8('{"mode":"strict"}');

describe('KV envelope', () => {
  it('round-trips: body bytes, signer and claims', () => {
    const text = signKvEnvelope(posture, signer);
    const parsed = JSON.parse(text) as Record<string, string>;
    expect(Object.keys(parsed)).toEqual(['body', 'sig', 'cred']);
    expect(fromBase64(parsed['body'] ?? '')).toEqual(posture);
    const got = verifyKvEnvelope(text, bundle, NOW, 'svc/reconciler/r-1');
    expect(got).toMatchObject({ ok: true, signer: 'svc/reconciler/r-1' });
    if (!got.ok) throw new Error('unreachable');
    expect(got.body).toEqual(posture);
    expect(got.claims.issuer_id).toBe('root');
    expect(verifyKvEnvelope(utf8(text), bundle, NOW).ok).toBe(true);
  });

  it('carries the chain when the signer holds one', () => {
    const ca = issue([ROOT, 'root'], 'region/nyc/ca', CA);
    const leaf = issue([CA, 'region/nyc/ca'], 'region/nyc/n-1', KEY);
    const chain = encodeChain([ca.envelope]);
    const chained = seedCredentialSigner({
      agentId: 'region/nyc/n-1',
      seed: KEY,
      credential: () => leaf.header,
      chain: () => chain,
    });
    const text = signKvEnvelope(posture, chained);
    expect(JSON.parse(text)).toHaveProperty('chain', chain);
    expect(verifyKvEnvelope(text, bundle, NOW)).toMatchObject({
      ok: true,
      signer: 'region/nyc/n-1',
    });
  });

  it('refuses a wrong signer, expiry, tampering and malformed envelopes', () => {
    const text = signKvEnvelope(posture, signer);
    expect(verifyKvEnvelope(text, bundle, NOW, 'svc/reconciler/r-2')).toEqual({
      ok: false,
      error: { tag: 'envelope_invalid_signature', reason: 'actor_mismatch' },
    });
    expect(verifyKvEnvelope(text, bundle, NOW + 7200)).toEqual({
      ok: false,
      error: { tag: 'envelope_invalid_signature', reason: 'credential_expired' },
    });
    const parsed = JSON.parse(text) as Record<string, string>;
    const tampered = JSON.stringify({
      ...parsed,
      body: Buffer.from('{"mode":"off"}').toString('base64'),
    });
    expect(verifyKvEnvelope(tampered, bundle, NOW)).toEqual({
      ok: false,
      error: { tag: 'envelope_invalid_signature', reason: 'bad_signature' },
    });
    for (const bad of [
      'not json',
      '[]',
      JSON.stringify({ ...parsed, extra: 1 }),
      JSON.stringify({ ...parsed, body: '!!' }),
      JSON.stringify({ body: parsed['body'], sig: parsed['sig'] }),
    ]) {
      expect(verifyKvEnvelope(bad, bundle, NOW)).toEqual({
        ok: false,
        error: { tag: 'envelope_malformed' },
      });
    }
    expect(verifyKvEnvelope(Uint8Array.of(0xff, 0xfe), bundle, NOW)).toEqual({
      ok: false,
      error: { tag: 'envelope_malformed' },
    });
  });

  it('fuzz: never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        expect(typeof verifyKvEnvelope(text, bundle, NOW).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('signers', () => {
  it('seed signers sign with their key and expose identity', () => {
    const issuer = seedIssuerSigner({ issuerId: 'root', seed: ROOT });
    expect(isIssuerSigner(issuer)).toBe(true);
    expect(isIssuerSigner(signer)).toBe(false);
    expect(issuer.sign(posture)).toHaveLength(64);
    expect(signer.chain()).toBeUndefined();
    expect(fromUtf8(utf8(signer.credential()))).toBe(reconciler.header);
  });
});
