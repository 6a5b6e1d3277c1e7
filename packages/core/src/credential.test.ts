import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cborMap, encodeCbor, type CborWritable } from './cbor-encode.js';
import {
  claimsEqual,
  credentialId,
  decodeClaims,
  decodeCredential,
  decodeCredentialFile,
  decodeEnvelope,
  encodeClaims,
  encodeEnvelope,
  formatCredentialHeader,
  type Claims,
} from './credential.js';

const h = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const toH = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

const pubkey = h('ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c');
const sig = new Uint8Array(64).fill(7);
const claims: Claims = {
  cred_version: 1,
  issuer_id: 'root',
  not_after: 1900003600,
  not_before: 1899999970,
  subject_agent_id: 'region/nyc/node-1',
  subject_pubkey: pubkey,
  trust_domain: 'fleet.example',
};
// issue_leaf_ttl_3600 in test/vectors/credentials.json
const CLAIMS_HEX =
  'a76c637265645f76657273696f6e01696973737565725f696464726f6f74696e6f745f61667465721a713fc110' +
  '6a6e6f745f6265666f72651a713fb2e2707375626a6563745f6167656e745f696471726567696f6e2f6e79632f' +
  '6e6f64652d316e7375626a6563745f7075626b65795820ea4a6c63e29c520abef5507b132ec5f9954776aebebe' +
  '7b92421eea691446d22c6c74727573745f646f6d61696e6d666c6565742e6578616d706c65';

type Entry = readonly [CborWritable, CborWritable];
const claimEntries = (c: Claims = claims): Entry[] => [
  ['cred_version', c.cred_version],
  ['issuer_id', c.issuer_id],
  ['not_after', c.not_after],
  ['not_before', c.not_before],
  ['subject_agent_id', c.subject_agent_id],
  ['subject_pubkey', c.subject_pubkey],
  ['trust_domain', c.trust_domain],
];
const envelopeOf = (claimBytes: Uint8Array, signature: Uint8Array = sig) =>
  encodeCbor(
    cborMap([
      ['claims', claimBytes],
      ['sig', signature],
    ]),
  );
const headerOf = (envelope: Uint8Array) => `v1=${b64(envelope)}`;
const validHeader = headerOf(envelopeOf(h(CLAIMS_HEX)));
// A valid header whose base64 ends in padding (an extra claim makes the length not a multiple of 3).
const paddedHeader = headerOf(
  envelopeOf(encodeCbor(cborMap([...claimEntries(), ['x-extra', 'y']]))),
);

const MALFORMED = { ok: false, error: { tag: 'credential_malformed' } };

describe('encodeClaims / encodeEnvelope', () => {
  it('writes the seven keys in plain string order (vector bytes)', () => {
    expect(toH(encodeClaims(claims))).toBe(CLAIMS_HEX);
  });

  it('writes the envelope as {claims, sig} in that order', () => {
    const envelope = encodeEnvelope(h('a0'), sig);
    expect(toH(envelope)).toBe('a266636c61696d7341a0637369675840' + '07'.repeat(64));
    expect(formatCredentialHeader(envelope)).toBe(`v1=${b64(envelope)}`);
  });

  it('refuses programmer errors', () => {
    expect(() => encodeClaims({ ...claims, subject_pubkey: new Uint8Array(31) })).toThrow(
      RangeError,
    );
    expect(() => encodeClaims({ ...claims, cred_version: 70000 })).toThrow(RangeError);
    expect(() => encodeClaims({ ...claims, cred_version: -1 })).toThrow(RangeError);
    expect(() => encodeClaims({ ...claims, not_after: 1.5 })).toThrow(RangeError);
    expect(() => encodeEnvelope(h('a0'), new Uint8Array(63))).toThrow(RangeError);
  });

  it('credentialId is the hex SHA-256 of the envelope', () => {
    const envelope = envelopeOf(h(CLAIMS_HEX));
    expect(credentialId(envelope)).toBe(createHash('sha256').update(envelope).digest('hex'));
  });
});

describe('decodeCredential header rules', () => {
  it('decodes the valid header and keeps the carried bytes', () => {
    const decoded = decodeCredential(validHeader);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.value.claims).toEqual(claims);
    expect(toH(decoded.value.claimBytes)).toBe(CLAIMS_HEX);
    expect(decoded.value.signature).toEqual(sig);
    expect(decoded.value.envelope).toEqual(envelopeOf(h(CLAIMS_HEX)));
  });

  it.each<[string, string, number]>([
    ['v9', 'v9=AAAA', 9],
    ['v2 on a valid envelope', `v2=${validHeader.slice(3)}`, 2],
    ['v0', 'v0=', 0],
    ['leading zeros', 'v0009=x', 9],
    ['v01 (not the exact v1= prefix)', 'v01=AAAA', 1],
    ['u16 max', 'v65535=', 65535],
  ])('unsupported version: %s', (_label, header, version) => {
    expect(decodeCredential(header)).toEqual({
      ok: false,
      error: { tag: 'credential_unsupported_version', version },
    });
  });

  it.each<[string, string]>([
    ['garbage', 'garbage'],
    ['beyond u16', 'v65536=AAAA'],
    ['far beyond u16', 'v99999999999999999999=AAAA'],
    ['no digits', 'v=AAAA'],
    ['no equals sign', 'v1AAAA'],
    ['upper-case prefix', `V1=${validHeader.slice(3)}`],
    ['leading space (header form is not trimmed)', ` ${validHeader}`],
    ['trailing newline (header form is not trimmed)', `${validHeader}\n`],
    ['empty', ''],
    ['empty after prefix', 'v1='],
    ['bad base64', 'v1=!!!!'],
    ['unpadded base64', paddedHeader.replace(/=+$/, '')],
    ['three random bytes', 'v1=50tx'],
  ])('malformed: %s', (_label, header) => {
    expect(decodeCredential(header)).toEqual(MALFORMED);
  });

  it('the padded fixture is valid and padded', () => {
    expect(paddedHeader).toMatch(/=$/);
    expect(decodeCredential(paddedHeader).ok).toBe(true);
  });

  it('file form trims surrounding whitespace', () => {
    expect(decodeCredentialFile(`  ${validHeader}\n`).ok).toBe(true);
    expect(decodeCredentialFile('\n')).toEqual(MALFORMED);
  });
});

describe('decodeEnvelope', () => {
  const claimBytes = h(CLAIMS_HEX);
  it('accepts the keys in either order', () => {
    const reversed = encodeCbor(
      cborMap([
        ['sig', sig],
        ['claims', claimBytes],
      ]),
    );
    expect(decodeEnvelope(reversed).ok).toBe(true);
  });

  it.each<[string, Uint8Array]>([
    [
      'an extra key',
      encodeCbor(
        cborMap([
          ['claims', claimBytes],
          ['sig', sig],
          ['x', 1],
        ]),
      ),
    ],
    [
      'a duplicate sig key',
      encodeCbor(
        cborMap([
          ['claims', claimBytes],
          ['sig', sig],
          ['sig', sig],
        ]),
      ),
    ],
    ['a missing sig', encodeCbor(cborMap([['claims', claimBytes]]))],
    [
      'a missing claims key',
      encodeCbor(
        cborMap([
          ['sig', sig],
          ['other', claimBytes],
        ]),
      ),
    ],
    ['a 63-byte sig', envelopeOf(claimBytes, new Uint8Array(63))],
    ['a 65-byte sig', envelopeOf(claimBytes, new Uint8Array(65))],
    ['an array', encodeCbor([claimBytes, sig])],
    [
      'claims as text',
      encodeCbor(
        cborMap([
          ['claims', 'x'],
          ['sig', sig],
        ]),
      ),
    ],
    [
      'an integer key',
      encodeCbor(
        cborMap([
          [1, claimBytes],
          ['sig', sig],
        ]),
      ),
    ],
    ['trailing bytes', new Uint8Array([...envelopeOf(claimBytes), 0])],
    ['an indefinite map', h('bf66636c61696d7341a0637369675840' + '07'.repeat(64) + 'ff')],
    ['bad claims inside', envelopeOf(h('a0'))],
  ])('refuses %s', (_label, envelope) => {
    expect(decodeEnvelope(envelope)).toEqual(MALFORMED);
  });
});

describe('decodeClaims', () => {
  const encode = (entries: readonly Entry[]) => encodeCbor(cborMap(entries));
  const replace = (key: string, value: CborWritable) =>
    claimEntries().map(([k, v]): Entry => [k, k === key ? value : v]);
  const without = (key: string) => claimEntries().filter(([k]) => k !== key);

  it.each<[string, readonly Entry[], Partial<Claims>]>([
    ['cred_version 0 (accepted at decode)', replace('cred_version', 0), { cred_version: 0 }],
    ['cred_version 65535', replace('cred_version', 65535), { cred_version: 65535 }],
    ['negative not_before', replace('not_before', -5), { not_before: -5 }],
    [
      'max safe not_after',
      replace('not_after', Number.MAX_SAFE_INTEGER),
      { not_after: Number.MAX_SAFE_INTEGER },
    ],
    [
      'min safe not_before',
      replace('not_before', Number.MIN_SAFE_INTEGER),
      { not_before: Number.MIN_SAFE_INTEGER },
    ],
    ['an unknown text key', [...claimEntries(), ['x-extra', 'y']], {}],
    [
      'an unknown key with a nested value',
      [['aaa', [1, cborMap([['b', h('00')]])]], ...claimEntries()],
      {},
    ],
    [
      'RFC 8949 key order',
      [...claimEntries()].sort(([a], [b]) => (a as string).length - (b as string).length),
      {},
    ],
    ['empty strings', replace('issuer_id', ''), { issuer_id: '' }],
  ])('accepts %s', (_label, entries, diff) => {
    expect(decodeClaims(encode(entries))).toEqual({ ok: true, value: { ...claims, ...diff } });
  });

  it('ignores unknown keys holding other items (tags, floats, simple values)', () => {
    const tail = h('6178c100' + '6179f93c00' + '617af6'); // x: tag, y: float, z: null
    const base = encode(claimEntries());
    const bytes = new Uint8Array([0xaa, ...base.subarray(1), ...tail]);
    expect(decodeClaims(bytes)).toEqual({ ok: true, value: claims });
  });

  it.each<[string, Uint8Array]>([
    ['missing trust_domain', encode(without('trust_domain'))],
    ['missing subject_pubkey', encode(without('subject_pubkey'))],
    ['not_after as text', encode(replace('not_after', '1900003600'))],
    ['cred_version negative', encode(replace('cred_version', -1))],
    ['cred_version above u16', encode(replace('cred_version', 65536))],
    ['not_after above the safe range', encode(replace('not_after', 2n ** 53n))],
    ['not_before below the safe range', encode(replace('not_before', -(2n ** 53n)))],
    ['not_after beyond i64', encode(replace('not_after', 2n ** 64n - 1n))],
    ['subject_pubkey 31 bytes', encode(replace('subject_pubkey', new Uint8Array(31)))],
    ['subject_pubkey as text', encode(replace('subject_pubkey', 'x'.repeat(32)))],
    ['issuer_id as bytes', encode(replace('issuer_id', h('726f6f74')))],
    ['an integer key', encode([...claimEntries(), [1, 2]])],
    ['a duplicate key', encode([...claimEntries(), ['subject_agent_id', 'region/sfo/node-9']])],
    ['not a map', encodeCbor(claimEntries().map(([, v]) => v))],
    ['trailing bytes', new Uint8Array([...encode(claimEntries()), 0])],
    ['not_after as float', h('a1' + '696e6f745f6166746572' + 'fb41dc4ff044000000')],
  ])('refuses %s', (_label, bytes) => {
    expect(decodeClaims(bytes)).toEqual(MALFORMED);
  });
});

const claimsArb: fc.Arbitrary<Claims> = fc.record({
  cred_version: fc.integer({ min: 0, max: 65535 }),
  issuer_id: fc.string(),
  not_after: fc.maxSafeInteger(),
  not_before: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  subject_agent_id: fc.string({ unit: 'grapheme' }),
  subject_pubkey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  trust_domain: fc.string(),
});

describe('credential properties', () => {
  it('encode → header → decode round-trips claims and bytes', () => {
    fc.assert(
      fc.property(claimsArb, fc.uint8Array({ minLength: 64, maxLength: 64 }), (c, signature) => {
        const claimBytes = encodeClaims(c);
        const envelope = encodeEnvelope(claimBytes, signature);
        const decoded = decodeCredential(formatCredentialHeader(envelope));
        expect(decoded).toEqual({
          ok: true,
          value: { claims: c, claimBytes, signature, envelope },
        });
        if (decoded.ok) expect(claimsEqual(decoded.value.claims, c)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('claimsEqual compares every field', () => {
    fc.assert(
      fc.property(claimsArb, claimsArb, (a, b) => {
        const same = toH(encodeClaims(a)) === toH(encodeClaims(b));
        expect(claimsEqual(a, b)).toBe(same);
      }),
    );
    expect(claimsEqual(claims, { ...claims, subject_pubkey: pubkey.slice() })).toBe(true);
    expect(claimsEqual(claims, { ...claims, subject_pubkey: new Uint8Array(32) })).toBe(false);
  });

  const outcomeOk = (r: ReturnType<typeof decodeCredential>) =>
    r.ok || ['credential_malformed', 'credential_unsupported_version'].includes(r.error.tag);

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `v1=${s}`),
          fc.string().map((s) => `v${s}`),
        ),
        (s) => {
          expect(outcomeOk(decodeCredential(s))).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws on random or mutated envelopes', () => {
    const valid = envelopeOf(h(CLAIMS_HEX));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
            const copy = valid.slice();
            copy[at % copy.byteLength] = byte;
            return copy;
          }),
          fc.nat().map((n) => valid.subarray(0, n % valid.byteLength)),
        ),
        (bytes) => {
          expect(outcomeOk(decodeCredential(headerOf(bytes)))).toBe(true);
          expect(outcomeOk(decodeEnvelope(bytes))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
