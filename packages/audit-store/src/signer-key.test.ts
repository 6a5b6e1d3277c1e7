import { describe, expect, it } from 'vitest';
import { issueCredential, publicKeyFromSeed } from '@fedplane/core';
import { createSignerKeyResolver, signerPublicKey } from './signer-key.js';

const issuerSeed = new Uint8Array(32).fill(1);
const subjectSeed = new Uint8Array(32).fill(2);
const issuerKey = publicKeyFromSeed(issuerSeed);
const subjectKey = publicKeyFromSeed(subjectSeed);

function credential(): string {
  const issued = issueCredential({
    issuerSeed,
    issuerId: 'root-1',
    trustDomain: 'example.test',
    subjectAgentId: 'node-a',
    subjectPubkey: subjectKey,
    nowS: 1_700_000_000,
    ttlS: 3600,
  });
  if (!issued.ok) throw new Error('fixture credential not issued');
  return issued.value.header;
}

const keys = new Map([['root-1', issuerKey]]);

describe('signerPublicKey', () => {
  it.each([
    ['a v1= credential gives its subject key', credential(), subjectKey],
    ['issuer:<id> gives the issuer key', 'issuer:root-1', issuerKey],
    ['an unknown issuer gives null', 'issuer:root-2', null],
    ['issuer: with no id gives null', 'issuer:', null],
    ['a malformed credential gives null', 'v1=AAAA', null],
    ['an unsupported version gives null', 'v2=AAAA', null],
    ['other text gives null', 'daemon', null],
    ['null gives null', null, null],
  ])('%s', (_name, signer, expected) => {
    expect(signerPublicKey(signer, keys)).toEqual(expected);
  });
});

describe('createSignerKeyResolver', () => {
  it('resolves like signerPublicKey and remembers results', () => {
    const issuerKeys = new Map(keys);
    const resolve = createSignerKeyResolver(issuerKeys);
    expect(resolve('issuer:root-1')).toEqual(issuerKey);
    expect(resolve('issuer:nope')).toBeNull();
    expect(resolve(null)).toBeNull();
    issuerKeys.delete('root-1');
    expect(resolve('issuer:root-1')).toEqual(issuerKey); // memoised
  });

  it('starts over when the memo is full', () => {
    const issuerKeys = new Map(keys);
    const resolve = createSignerKeyResolver(issuerKeys, 2);
    expect(resolve('issuer:root-1')).toEqual(issuerKey);
    issuerKeys.delete('root-1');
    resolve('issuer:a');
    resolve('issuer:b'); // third distinct signer: memo cleared
    expect(resolve('issuer:root-1')).toBeNull();
  });

  it('defaults to no issuer keys', () => {
    expect(createSignerKeyResolver()('issuer:root-1')).toBeNull();
  });
});
