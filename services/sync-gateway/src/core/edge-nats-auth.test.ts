import {
  formatEd25519Header,
  issueCredential,
  publicKeyFromSeed,
  signEd25519,
  toBase64,
  utf8,
} from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { claimedSubject, signatureReplayToken } from './edge-nats-auth.js';

describe('claimedSubject', () => {
  it('reads the subject of a credential without verifying it', () => {
    const issued = issueCredential({
      issuerSeed: new Uint8Array(32).fill(9),
      issuerId: 'not-in-any-bundle',
      trustDomain: 'fleet.example',
      subjectAgentId: 'region/nyc/node-1',
      subjectPubkey: publicKeyFromSeed(new Uint8Array(32).fill(7)),
      nowS: 1_900_000_000,
      ttlS: 60,
    });
    if (!issued.ok) throw new Error('issue');
    expect(claimedSubject(issued.value.header)).toBe('region/nyc/node-1');
  });

  it('is undefined for an absent or unparseable credential', () => {
    expect(claimedSubject(undefined)).toBeUndefined();
    expect(claimedSubject('garbage')).toBeUndefined();
    expect(claimedSubject('v1=AAAA')).toBeUndefined();
  });
});

describe('signatureReplayToken', () => {
  const signature = signEd25519(new Uint8Array(32).fill(7), utf8('body'));
  const header = formatEd25519Header(signature);

  it('is the canonical base64 of the signature bytes, however the header is spelled', () => {
    const token = `sig:${toBase64(signature)}`;
    expect(signatureReplayToken(header)).toBe(token);
    expect(signatureReplayToken(`  ${header} ; k=v`)).toBe(token);
  });

  it('is undefined when there is no parseable signature', () => {
    expect(signatureReplayToken(undefined)).toBeUndefined();
    expect(signatureReplayToken('rsa=abc')).toBeUndefined();
    expect(signatureReplayToken('ed25519=%%')).toBeUndefined();
  });
});
