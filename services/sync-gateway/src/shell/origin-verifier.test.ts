import {
  encodeChain,
  issueCredential,
  publicKeyFromSeed,
  type VerifierBundle,
} from '@fedplane/core';
import { seedCredentialSigner, signedHeaders } from '@fedplane/messaging';
import { describe, expect, it } from 'vitest';
import { createOriginVerifier } from './origin-verifier.js';

const NOW = 1_900_000_000;
const seed = (n: number) => new Uint8Array(32).fill(n);
const bundle: VerifierBundle = {
  trustDomain: 'fleet.example',
  keys: new Map([['root', publicKeyFromSeed(seed(1))]]),
};

function issue(issuer: [number, string], subject: string, subjectSeed: number, ttlS: number) {
  const result = issueCredential({
    issuerSeed: seed(issuer[0]),
    issuerId: issuer[1],
    trustDomain: 'fleet.example',
    subjectAgentId: subject,
    subjectPubkey: publicKeyFromSeed(seed(subjectSeed)),
    nowS: NOW,
    ttlS,
  });
  if (!result.ok) throw new Error(result.error.tag);
  return result.value;
}

// A node credential valid for an hour, under a regional CA that expires after a minute.
const ca = issue([1, 'root'], 'region/nyc/ca', 3, 60);
const leaf = issue([3, 'region/nyc/ca'], 'region/nyc/node-1', 7, 3_600);
const signer = seedCredentialSigner({
  agentId: 'region/nyc/node-1',
  seed: seed(7),
  credential: () => leaf.header,
  chain: () => encodeChain([ca.envelope]),
});
const body = new TextEncoder().encode('{"id":"r1"}');
const headers = signedHeaders(signer, body);

describe('origin verifier', () => {
  it('verifies a chained signer, and refuses it from the second its intermediate expires', () => {
    const verifier = createOriginVerifier(() => bundle);
    for (let i = 0; i < 3; i += 1) {
      expect(verifier.verify(headers, body, NOW + 60)).toEqual({
        kind: 'verified',
        signer: 'region/nyc/node-1',
      });
    }
    const late = verifier.verify(headers, body, NOW + 61);
    expect(late.kind).toBe('invalid');
    expect(verifier.verify(headers, body, NOW + 61)).toEqual(late);
  });

  it('refuses a tampered body, and everything once the bundle is gone or replaced', () => {
    let live: VerifierBundle | undefined = bundle;
    const verifier = createOriginVerifier(() => live);
    expect(verifier.verify(headers, new TextEncoder().encode('{"id":"r2"}'), NOW)).toEqual({
      kind: 'invalid',
      reason: 'bad_signature',
    });
    expect(verifier.verify(headers, body, NOW).kind).toBe('verified');
    live = { trustDomain: 'fleet.example', keys: new Map([['root', publicKeyFromSeed(seed(2))]]) };
    expect(verifier.verify(headers, body, NOW).kind).toBe('invalid');
    live = undefined;
    expect(verifier.verify(headers, body, NOW)).toEqual({
      kind: 'invalid',
      reason: 'no_trust_bundle',
    });
  });
});
