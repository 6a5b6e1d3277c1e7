import { describe, expect, it } from 'vitest';
import {
  issueCredential,
  publicKeyFromSeed,
  utf8,
  type Posture,
  type VerifierBundle,
} from '@fedplane/core';
import { signKvEnvelope } from './kv-envelope.js';
import { verifyPostureValue } from './posture.js';
import { seedCredentialSigner } from './signer.js';

const NOW = 1_900_000_000;
const ROOT = new Uint8Array(32).fill(1);
const OTHER_ROOT = new Uint8Array(32).fill(2);
const KEY = new Uint8Array(32).fill(7);
const bundle: VerifierBundle = {
  trustDomain: 'fleet.example',
  keys: new Map([['root', publicKeyFromSeed(ROOT)]]),
};

function signerFor(agentId: string, issuerSeed = ROOT, ttlS = 3600) {
  const issued = issueCredential({
    issuerSeed,
    issuerId: 'root',
    trustDomain: 'fleet.example',
    subjectAgentId: agentId,
    subjectPubkey: publicKeyFromSeed(KEY),
    nowS: NOW,
    ttlS,
  });
  if (!issued.ok) throw new Error(issued.error.tag);
  const header = issued.value.header;
  return seedCredentialSigner({ agentId, seed: KEY, credential: () => header });
}

const strict: Posture = {
  require_sig: true,
  revision: 4,
  decided_at: '2030-03-17T17:46:40.000Z',
  evidence: [
    {
      node_id: 'region/nyc/node-1',
      credential_id: 'cd'.repeat(32),
      not_after: NOW + 3600,
      status_at: '2030-03-17T17:46:39Z',
    },
  ],
};
const body = (value: unknown) => utf8(JSON.stringify(value));
const reconciler = signerFor('svc/reconciler/r-1');

describe('verifyPostureValue', () => {
  it('accepts a reconciler-signed posture (text or bytes) and names the signer', () => {
    const text = signKvEnvelope(body(strict), reconciler);
    expect(verifyPostureValue(text, bundle, NOW)).toEqual({
      ok: true,
      posture: strict,
      signer: 'svc/reconciler/r-1',
      signerNotAfter: NOW + 3600,
    });
    expect(verifyPostureValue(utf8(text), bundle, NOW).ok).toBe(true);
  });

  it('refuses without a trust bundle', () => {
    const text = signKvEnvelope(body(strict), reconciler);
    expect(verifyPostureValue(text, undefined, NOW)).toEqual({
      ok: false,
      refusal: { tag: 'no_trust_bundle' },
    });
  });

  it.each([
    ['svc/auditor/a-1'],
    ['svc/reconciler'],
    ['region/nyc/node-1'],
    ['svc/reconcilerx/r-1'],
  ])('refuses a valid envelope signed by %s', (agentId) => {
    const text = signKvEnvelope(body(strict), signerFor(agentId));
    expect(verifyPostureValue(text, bundle, NOW)).toEqual({
      ok: false,
      refusal: { tag: 'signer_not_reconciler', signer: agentId },
    });
  });

  it('refuses a credential from an issuer key outside the bundle', () => {
    const text = signKvEnvelope(body(strict), signerFor('svc/reconciler/r-1', OTHER_ROOT));
    const got = verifyPostureValue(text, bundle, NOW);
    expect(got.ok ? 'ok' : got.refusal.tag).toBe('envelope_invalid_signature');
  });

  it('refuses an expired signer credential', () => {
    const text = signKvEnvelope(body(strict), signerFor('svc/reconciler/r-1', ROOT, 60));
    const got = verifyPostureValue(text, bundle, NOW + 3600);
    expect(got.ok ? 'ok' : got.refusal.tag).toBe('envelope_invalid_signature');
  });

  it('refuses malformed envelopes', () => {
    for (const value of ['', 'null', '{}', '[]', 'not json', new Uint8Array([0xff, 0xfe])]) {
      const got = verifyPostureValue(value, bundle, NOW);
      expect(got.ok ? 'ok' : got.refusal.tag).toBe('envelope_malformed');
    }
  });

  it.each([
    ['not JSON', utf8('strict')],
    ['missing fields', body({ require_sig: true })],
    ['unknown field', body({ ...strict, extra: 1 })],
    ['negative revision', body({ ...strict, revision: -1 })],
    ['bad evidence', body({ ...strict, evidence: [{ node_id: 'x' }] })],
  ])('refuses a signed body that is not a posture: %s', (_name, bytes) => {
    const got = verifyPostureValue(signKvEnvelope(bytes, reconciler), bundle, NOW);
    expect(got.ok ? 'ok' : got.refusal.tag).toBe('body_invalid');
  });
});
