import { createHash } from 'node:crypto';
import * as noble from '@noble/ed25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cborMap, encodeCbor } from './cbor-encode.js';
import { issueCredential, type IssuedCredential } from './credential-issue.js';
import {
  verifyAgainstKey,
  verifyCredentialHeader,
  verifyWithBundle,
  type VerifierBundle,
} from './credential-verify.js';
import {
  decodeCredential,
  decodeEnvelope,
  encodeClaims,
  encodeEnvelope,
  formatCredentialHeader,
  type Claims,
  type DecodedCredential,
} from './credential.js';
import { publicKeyFromSeed, signEd25519 } from './ed25519.js';

noble.hashes.sha512 = (message: Uint8Array) =>
  new Uint8Array(createHash('sha512').update(message).digest());

const NOW = 1_900_000_000;
const seed = (n: number) => new Uint8Array(32).fill(n);
const rootSeed = seed(1);
const rootPub = publicKeyFromSeed(rootSeed);
const subjectPub = publicKeyFromSeed(seed(7));
const bundle: VerifierBundle = { trustDomain: 'fleet.example', keys: new Map([['root', rootPub]]) };

function issued(overrides: Partial<Parameters<typeof issueCredential>[0]> = {}): IssuedCredential {
  const result = issueCredential({
    issuerSeed: rootSeed,
    issuerId: 'root',
    trustDomain: 'fleet.example',
    subjectAgentId: 'region/nyc/node-1',
    subjectPubkey: subjectPub,
    nowS: NOW,
    ttlS: 3600,
    ...overrides,
  });
  if (!result.ok) throw new Error(result.error.tag);
  return result.value;
}

/** A credential with arbitrary claims, signed over their canonical bytes. */
function signed(claims: Claims, signerSeed: Uint8Array = rootSeed): DecodedCredential {
  const claimBytes = encodeClaims(claims);
  const signature = signEd25519(signerSeed, claimBytes);
  const envelope = encodeEnvelope(claimBytes, signature);
  return { claims, claimBytes, signature, envelope };
}

const leaf = issued();
const base = leaf.claims;

describe('verifyWithBundle', () => {
  it('returns the claims of a valid credential', () => {
    expect(verifyWithBundle(leaf, bundle, NOW)).toEqual({ ok: true, value: base });
  });

  it.each<[string, number, string | undefined]>([
    ['one second before not_before', base.not_before - 1, 'credential_not_yet_valid'],
    ['at not_before', base.not_before, undefined],
    ['at not_after', base.not_after, undefined],
    ['one second after not_after', base.not_after + 1, 'credential_expired'],
    ['a day later', NOW + 86_400, 'credential_expired'],
  ])('window: %s', (_label, now, tag) => {
    const result = verifyWithBundle(leaf, bundle, now);
    expect(result.ok ? undefined : result.error.tag).toBe(tag);
  });

  type OrderCase = { credential: DecodedCredential; b: VerifierBundle; now: number; tag: string };
  const otherDomain: VerifierBundle = {
    trustDomain: 'other.tenant',
    keys: new Map([['root-old', rootPub]]),
  };
  const otherIssuer: VerifierBundle = {
    trustDomain: 'fleet.example',
    keys: new Map([['root-old', rootPub]]),
  };
  const forged = signed(base, seed(9));
  it.each<[string, OrderCase]>([
    [
      'domain before issuer lookup',
      { credential: leaf, b: otherDomain, now: NOW, tag: 'credential_wrong_trust_domain' },
    ],
    [
      'issuer lookup before signature',
      { credential: forged, b: otherIssuer, now: NOW, tag: 'credential_unknown_issuer' },
    ],
    [
      'signature before window',
      { credential: forged, b: bundle, now: base.not_after + 1, tag: 'credential_bad_signature' },
    ],
    [
      'version before signature',
      {
        credential: signed({ ...base, cred_version: 2 }, seed(9)),
        b: bundle,
        now: NOW,
        tag: 'credential_unsupported_version',
      },
    ],
    [
      'version before window',
      {
        credential: signed({ ...base, cred_version: 3 }),
        b: bundle,
        now: 0,
        tag: 'credential_unsupported_version',
      },
    ],
  ])('order: %s', (_label, { credential, b, now, tag }) => {
    const result = verifyWithBundle(credential, b, now);
    expect(result.ok ? 'ok' : result.error.tag).toBe(tag);
  });

  it('reports the unsupported version number', () => {
    expect(verifyWithBundle(signed({ ...base, cred_version: 2 }), bundle, NOW)).toEqual({
      ok: false,
      error: { tag: 'credential_unsupported_version', version: 2 },
    });
  });

  it('accepts cred_version 0 (as the reference does)', () => {
    expect(verifyWithBundle(signed({ ...base, cred_version: 0 }), bundle, NOW).ok).toBe(true);
  });

  it('an unscoped bundle accepts any trust domain; a scoped one only its own', () => {
    const other = signed({ ...base, trust_domain: 'other.tenant' });
    expect(verifyWithBundle(other, { ...bundle, trustDomain: '' }, NOW).ok).toBe(true);
    expect(verifyWithBundle(other, bundle, NOW)).toEqual({
      ok: false,
      error: { tag: 'credential_wrong_trust_domain' },
    });
  });

  it('chooses the key by issuer_id, never by trying every key', () => {
    const named = signed({ ...base, issuer_id: 'root-next' });
    const both: VerifierBundle = {
      trustDomain: 'fleet.example',
      keys: new Map([
        ['root', rootPub],
        ['root-next', publicKeyFromSeed(seed(2))],
      ]),
    };
    expect(verifyWithBundle(named, both, NOW)).toEqual({
      ok: false,
      error: { tag: 'credential_bad_signature' },
    });
  });

  it('verifies the carried bytes, never a re-encoding', () => {
    // Claim bytes in RFC 8949 length-first key order, signed as carried.
    const claimBytes = encodeCbor(
      cborMap([
        ['issuer_id', base.issuer_id],
        ['not_after', base.not_after],
        ['not_before', base.not_before],
        ['cred_version', base.cred_version],
        ['trust_domain', base.trust_domain],
        ['subject_pubkey', base.subject_pubkey],
        ['subject_agent_id', base.subject_agent_id],
      ]),
    );
    const decoded = decodeEnvelope(encodeEnvelope(claimBytes, signEd25519(rootSeed, claimBytes)));
    if (!decoded.ok) throw new Error('fixture');
    expect(encodeClaims(decoded.value.claims)).not.toEqual(claimBytes);
    expect(verifyWithBundle(decoded.value, bundle, NOW)).toEqual({ ok: true, value: base });
    // And a signature over the canonical bytes does not cover the reordered ones.
    const canonicalSig = { ...decoded.value, signature: leaf.signature };
    expect(verifyWithBundle(canonicalSig, bundle, NOW).ok).toBe(false);
  });
});

describe('verifyAgainstKey', () => {
  it('a key that is not a curve point never verifies', () => {
    const notAPoint = new Uint8Array(32).fill(0xff);
    expect(verifyAgainstKey(leaf, notAPoint, NOW)).toEqual({
      ok: false,
      error: { tag: 'credential_bad_signature' },
    });
    expect(verifyAgainstKey(leaf, new Uint8Array(31), NOW).ok).toBe(false);
  });
});

describe('verifyCredentialHeader', () => {
  it('decodes then verifies', () => {
    expect(verifyCredentialHeader(leaf.header, bundle, NOW)).toEqual({ ok: true, value: base });
    expect(verifyCredentialHeader('v9=AAAA', bundle, NOW)).toEqual({
      ok: false,
      error: { tag: 'credential_unsupported_version', version: 9 },
    });
    expect(verifyCredentialHeader('garbage', bundle, NOW)).toEqual({
      ok: false,
      error: { tag: 'credential_malformed' },
    });
  });

  it('refuses every single-byte change of the envelope', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const envelope = leaf.envelope.slice();
        const i = at % envelope.byteLength;
        envelope[i] = (envelope[i] ?? 0) ^ xor;
        expect(verifyCredentialHeader(formatCredentialHeader(envelope), bundle, NOW).ok).toBe(
          false,
        );
      }),
      { numRuns: 1000 },
    );
  });
});

describe('node:crypto and @noble/ed25519 agree on credential signatures', () => {
  const claimsArb = fc.record({
    seed: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    subject: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    issuerId: fc.stringMatching(/^[a-z0-9-]{1,20}$/),
    trustDomain: fc.string({ maxLength: 30 }),
    notBefore: fc.integer({ min: 0, max: 4_000_000_000 }),
  });

  it('every issued credential verifies under noble, and noble-signed ones verify here', () => {
    fc.assert(
      fc.property(claimsArb, ({ seed: s, subject, issuerId, trustDomain, notBefore }) => {
        const claims: Claims = {
          cred_version: 1,
          issuer_id: issuerId,
          not_after: notBefore + 60,
          not_before: notBefore,
          subject_agent_id: 'node-1',
          subject_pubkey: subject,
          trust_domain: trustDomain,
        };
        const ours = signed(claims, s);
        const pub = noble.getPublicKey(s);
        expect(noble.verify(ours.signature, ours.claimBytes, pub)).toBe(true);
        const theirs = encodeEnvelope(ours.claimBytes, noble.sign(ours.claimBytes, s));
        const decoded = decodeEnvelope(theirs);
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect(verifyAgainstKey(decoded.value, pub, notBefore).ok).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('issueCredential output verifies under noble', () => {
    const decoded = decodeCredential(leaf.header);
    expect(decoded.ok).toBe(true);
    expect(noble.verify(leaf.signature, leaf.claimBytes, rootPub)).toBe(true);
  });
});
