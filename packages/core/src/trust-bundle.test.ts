import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { issueCredential } from './credential-issue.js';
import { verifyWithBundle } from './credential-verify.js';
import { publicKeyFromSeed } from './ed25519.js';
import {
  TrustBundleSchema,
  bundleDirectoryFiles,
  bundleFromDirectoryFiles,
  isValidIssuerId,
  parseTrustBundle,
  toVerifierBundle,
  type TrustBundle,
} from './trust-bundle.js';

const key = (n: number) => publicKeyFromSeed(new Uint8Array(32).fill(n));
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const NOT_A_POINT = new Uint8Array(32).fill(0xff);

const sample: TrustBundle = {
  trust_domain: 'fleet.example',
  sequence: 7,
  refresh_hint_s: 60,
  keys: [
    {
      issuer_id: 'root-old',
      public_key: b64(key(5)),
      state: 'retired',
      added_at: '2026-01-01T00:00:00Z',
    },
    {
      issuer_id: 'root',
      public_key: b64(key(1)),
      state: 'active',
      added_at: '2026-06-01T00:00:00.123Z',
    },
    {
      issuer_id: 'root-next',
      public_key: b64(key(2)),
      state: 'next',
      added_at: '2026-11-22T14:03:07+01:00',
    },
  ],
};

const withKeys = (keys: readonly Record<string, unknown>[]) => ({ ...sample, keys });
const keyOf = (overrides: Record<string, unknown>) => ({ ...sample.keys[1], ...overrides });

describe('parseTrustBundle', () => {
  it('accepts the identity.md shape', () => {
    expect(parseTrustBundle(JSON.parse(JSON.stringify(sample)))).toEqual({
      ok: true,
      value: sample,
    });
  });

  it('accepts an empty key list and an unscoped domain', () => {
    expect(parseTrustBundle({ ...sample, trust_domain: '', keys: [] }).ok).toBe(true);
  });

  it('drops unknown fields (forward compatible)', () => {
    const parsed = parseTrustBundle({ ...sample, future: 1, keys: [{ ...keyOf({}), note: 'x' }] });
    expect(parsed).toEqual({ ok: true, value: { ...sample, keys: [sample.keys[1]] } });
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'bundle', ''],
    ['negative sequence', { ...sample, sequence: -1 }, 'sequence'],
    ['fractional sequence', { ...sample, sequence: 1.5 }, 'sequence'],
    ['zero refresh hint', { ...sample, refresh_hint_s: 0 }, 'refresh_hint_s'],
    ['missing trust_domain', { sequence: 1, refresh_hint_s: 60, keys: [] }, 'trust_domain'],
    ['slashed issuer id', withKeys([keyOf({ issuer_id: 'root/ca' })]), 'keys.0.issuer_id'],
    ['traversal issuer id', withKeys([keyOf({ issuer_id: '..' })]), 'keys.0.issuer_id'],
    ['empty issuer id', withKeys([keyOf({ issuer_id: '' })]), 'keys.0.issuer_id'],
    [
      '31-byte key',
      withKeys([keyOf({ public_key: b64(new Uint8Array(31)) })]),
      'keys.0.public_key',
    ],
    [
      'hex key',
      withKeys([keyOf({ public_key: Buffer.from(key(1)).toString('hex') })]),
      'keys.0.public_key',
    ],
    [
      'key not a curve point',
      withKeys([keyOf({ public_key: b64(NOT_A_POINT) })]),
      'keys.0.public_key',
    ],
    ['unknown state', withKeys([keyOf({ state: 'revoked' })]), 'keys.0.state'],
    ['bad added_at', withKeys([keyOf({ added_at: 'yesterday' })]), 'keys.0.added_at'],
    [
      'added_at without offset',
      withKeys([keyOf({ added_at: '2026-01-01T00:00:00' })]),
      'keys.0.added_at',
    ],
    [
      'duplicate issuer ids',
      withKeys([keyOf({}), keyOf({ state: 'retired' })]),
      'keys: issuer ids must be unique',
    ],
    [
      'two active keys',
      withKeys([keyOf({}), keyOf({ issuer_id: 'root-2', public_key: b64(key(2)) })]),
      'keys: at most one active key',
    ],
    [
      'two next keys',
      withKeys([
        keyOf({ state: 'next' }),
        keyOf({ issuer_id: 'root-2', state: 'next', public_key: b64(key(2)) }),
      ]),
      'keys: at most one next key',
    ],
  ])('refuses %s', (_label, json, issue) => {
    const parsed = parseTrustBundle(json);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.tag).toBe('trust_bundle_invalid');
      expect(parsed.error.issues.some((line) => line.startsWith(issue))).toBe(true);
    }
  });

  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({
            trust_domain: fc.jsonValue(),
            sequence: fc.jsonValue(),
            refresh_hint_s: fc.jsonValue(),
            keys: fc.array(
              fc.dictionary(
                fc.constantFrom('issuer_id', 'public_key', 'state', 'added_at'),
                fc.jsonValue(),
              ),
            ),
          }),
        ),
        (json) => {
          const parsed = parseTrustBundle(json);
          if (!parsed.ok) expect(parsed.error.issues.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('exports a zod schema usable directly', () => {
    expect(TrustBundleSchema.safeParse(sample).success).toBe(true);
  });
});

describe('toVerifierBundle', () => {
  it('holds every key whatever its state, under its issuer id', () => {
    const verifier = toVerifierBundle(sample);
    expect(verifier.trustDomain).toBe('fleet.example');
    expect([...verifier.keys.keys()]).toEqual(['root-old', 'root', 'root-next']);
    expect(verifier.keys.get('root-next')).toEqual(key(2));
  });

  it('verifies credentials signed by active, next and retired keys', () => {
    const verifier = toVerifierBundle(sample);
    for (const [issuerId, n] of [
      ['root', 1],
      ['root-next', 2],
      ['root-old', 5],
    ] as const) {
      const issued = issueCredential({
        issuerSeed: new Uint8Array(32).fill(n),
        issuerId,
        trustDomain: 'fleet.example',
        subjectAgentId: 'node-1',
        subjectPubkey: key(7),
        nowS: 100,
        ttlS: 60,
      });
      if (!issued.ok) throw new Error('fixture');
      expect(verifyWithBundle(issued.value, verifier, 100).ok).toBe(true);
    }
  });

  it('leaves out a key that does not decode (hand-built bundle)', () => {
    const broken: TrustBundle = {
      ...sample,
      keys: [{ ...sample.keys[1], public_key: '***' } as TrustBundle['keys'][number]],
    };
    expect(toVerifierBundle(broken).keys.size).toBe(0);
  });
});

describe('bundle directory form', () => {
  it('writes one <issuer_id>.pub of 32 raw bytes per key', () => {
    expect(bundleDirectoryFiles(sample)).toEqual([
      { name: 'root-old.pub', bytes: key(5) },
      { name: 'root.pub', bytes: key(1) },
      { name: 'root-next.pub', bytes: key(2) },
    ]);
  });

  it('reads it back', () => {
    const { bundle, skipped } = bundleFromDirectoryFiles(
      bundleDirectoryFiles(sample),
      'fleet.example',
    );
    expect(skipped).toEqual([]);
    expect(bundle).toEqual(toVerifierBundle(sample));
  });

  it('ignores non-.pub files and skips bad keys, reporting them (one bad key never denies others)', () => {
    const { bundle, skipped } = bundleFromDirectoryFiles(
      [
        { name: 'root.pub', bytes: key(1) },
        { name: 'broken.pub', bytes: new Uint8Array(8) },
        { name: 'notes.txt', bytes: new Uint8Array(3) },
        { name: 'root.priv', bytes: new Uint8Array(32) },
        { name: 'offcurve.pub', bytes: NOT_A_POINT },
        { name: 'a/b.pub', bytes: key(2) },
        { name: '.pub', bytes: key(2) },
        { name: 'root.pub', bytes: key(3) },
      ],
      '',
    );
    expect(bundle.trustDomain).toBe('');
    expect([...bundle.keys]).toEqual([['root', key(1)]]);
    expect(skipped).toEqual([
      { name: 'broken.pub', reason: 'wrong_length' },
      { name: 'offcurve.pub', reason: 'not_a_curve_point' },
      { name: 'a/b.pub', reason: 'bad_issuer_id' },
      { name: '.pub', reason: 'bad_issuer_id' },
      { name: 'root.pub', reason: 'bad_issuer_id' },
    ]);
  });

  it('isValidIssuerId wants a slash-free agent id', () => {
    expect(isValidIssuerId('root')).toBe(true);
    expect(isValidIssuerId('host:a.b')).toBe(true);
    expect(isValidIssuerId('region/nyc/ca')).toBe(false);
    expect(isValidIssuerId('')).toBe(false);
    expect(isValidIssuerId('a b')).toBe(false);
  });
});
