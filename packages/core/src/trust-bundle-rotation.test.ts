import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { publicKeyFromSeed } from './ed25519.js';
import { parseTrustBundle, type TrustBundle } from './trust-bundle.js';
import {
  ACTIVATION_REFRESH_MULTIPLE,
  activateNext,
  addNextKey,
  canActivateNext,
  createTrustBundle,
  isNewerBundle,
  nextActivationAtMs,
  removeRetiredKey,
  signingKeyId,
  type RotationResult,
} from './trust-bundle-rotation.js';

const key = (n: number) => publicKeyFromSeed(new Uint8Array(32).fill(n));
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const HINT_S = 60;
const WAIT_MS = HINT_S * ACTIVATION_REFRESH_MULTIPLE * 1000;

function value(result: RotationResult): TrustBundle {
  if (!result.ok) throw new Error(`unexpected ${result.error.tag}`);
  return result.value;
}

const initial = value(
  createTrustBundle(
    { trustDomain: 'fleet.example', refreshHintS: HINT_S, issuerId: 'root-1', publicKey: key(1) },
    T0,
  ),
);

describe('createTrustBundle', () => {
  it('starts with one active key at sequence 1', () => {
    expect(initial).toEqual({
      trust_domain: 'fleet.example',
      sequence: 1,
      refresh_hint_s: HINT_S,
      keys: [
        {
          issuer_id: 'root-1',
          public_key: Buffer.from(key(1)).toString('base64'),
          state: 'active',
          added_at: '2026-11-22T12:00:00.000Z',
        },
      ],
    });
    expect(parseTrustBundle(initial)).toEqual({ ok: true, value: initial });
    expect(signingKeyId(initial)).toBe('root-1');
  });

  it('refuses a bad issuer id or key', () => {
    const init = { trustDomain: 'd', refreshHintS: 1, publicKey: key(1) };
    expect(createTrustBundle({ ...init, issuerId: 'root/ca' }, T0)).toEqual({
      ok: false,
      error: { tag: 'trust_bundle_bad_issuer_id', issuer_id: 'root/ca' },
    });
    expect(
      createTrustBundle({ ...init, issuerId: 'r', publicKey: new Uint8Array(31) }, T0),
    ).toEqual({
      ok: false,
      error: { tag: 'trust_bundle_bad_public_key' },
    });
    expect(
      createTrustBundle({ ...init, issuerId: 'r', publicKey: new Uint8Array(32).fill(0xff) }, T0),
    ).toMatchObject({
      ok: false,
    });
    expect(() => createTrustBundle({ ...init, issuerId: 'r', refreshHintS: 0 }, T0)).toThrow(
      RangeError,
    );
  });
});

describe('rotation', () => {
  const added = value(addNextKey(initial, { issuerId: 'root-2', publicKey: key(2) }, T0 + 1000));

  it('adds a next key and bumps the sequence; the active key still signs', () => {
    expect(added.sequence).toBe(2);
    expect(added.keys.map((k) => [k.issuer_id, k.state])).toEqual([
      ['root-1', 'active'],
      ['root-2', 'next'],
    ]);
    expect(signingKeyId(added)).toBe('root-1');
    expect(parseTrustBundle(added).ok).toBe(true);
  });

  it('refuses a second next key, a taken issuer id, and bad input', () => {
    expect(addNextKey(added, { issuerId: 'root-3', publicKey: key(3) }, T0)).toEqual({
      ok: false,
      error: { tag: 'trust_bundle_next_exists', issuer_id: 'root-2' },
    });
    expect(addNextKey(initial, { issuerId: 'root-1', publicKey: key(3) }, T0)).toEqual({
      ok: false,
      error: { tag: 'trust_bundle_issuer_exists', issuer_id: 'root-1' },
    });
    expect(addNextKey(initial, { issuerId: 'a/b', publicKey: key(3) }, T0)).toMatchObject({
      ok: false,
      error: { tag: 'trust_bundle_bad_issuer_id' },
    });
  });

  it('activates only after refresh_hint_s × 3 (inclusive)', () => {
    const readyAt = T0 + 1000 + WAIT_MS;
    expect(nextActivationAtMs(added)).toBe(readyAt);
    expect(canActivateNext(added, readyAt - 1)).toBe(false);
    expect(canActivateNext(added, readyAt)).toBe(true);
    expect(activateNext(added, readyAt - 1)).toEqual({
      ok: false,
      error: { tag: 'trust_bundle_too_early', ready_at_ms: readyAt },
    });
    const activated = value(activateNext(added, readyAt));
    expect(activated.sequence).toBe(3);
    expect(activated.keys.map((k) => [k.issuer_id, k.state])).toEqual([
      ['root-1', 'retired'],
      ['root-2', 'active'],
    ]);
    expect(signingKeyId(activated)).toBe('root-2');
    expect(parseTrustBundle(activated).ok).toBe(true);
  });

  it('without a next key there is nothing to activate', () => {
    expect(nextActivationAtMs(initial)).toBeUndefined();
    expect(canActivateNext(initial, T0 + 10 * WAIT_MS)).toBe(false);
    expect(activateNext(initial, T0)).toEqual({
      ok: false,
      error: { tag: 'trust_bundle_no_next_key' },
    });
  });

  it('activates a next key when no key is active (recovery)', () => {
    const noActive: TrustBundle = { ...added, keys: added.keys.filter((k) => k.state === 'next') };
    expect(signingKeyId(noActive)).toBeUndefined();
    expect(signingKeyId(value(activateNext(noActive, T0 + 1000 + WAIT_MS)))).toBe('root-2');
  });

  it('removes only retired keys', () => {
    const activated = value(activateNext(added, T0 + 1000 + WAIT_MS));
    const pruned = value(removeRetiredKey(activated, 'root-1'));
    expect(pruned.sequence).toBe(4);
    expect(pruned.keys.map((k) => k.issuer_id)).toEqual(['root-2']);
    expect(removeRetiredKey(activated, 'root-2')).toEqual({
      ok: false,
      error: { tag: 'trust_bundle_not_retired', issuer_id: 'root-2' },
    });
    expect(removeRetiredKey(activated, 'ghost')).toMatchObject({ ok: false });
  });

  it('keeps its invariants through any sequence of steps', () => {
    const step = fc.oneof(
      fc.record({
        op: fc.constant('add' as const),
        id: fc.integer({ min: 1, max: 6 }),
        dt: fc.nat(WAIT_MS * 2),
      }),
      fc.record({
        op: fc.constant('activate' as const),
        id: fc.constant(0),
        dt: fc.nat(WAIT_MS * 2),
      }),
      fc.record({
        op: fc.constant('remove' as const),
        id: fc.integer({ min: 1, max: 6 }),
        dt: fc.constant(0),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 20 }), (steps) => {
        let bundle = initial;
        let now = T0;
        for (const s of steps) {
          now += s.dt;
          const result =
            s.op === 'add'
              ? addNextKey(bundle, { issuerId: `root-${s.id}`, publicKey: key(s.id) }, now)
              : s.op === 'activate'
                ? activateNext(bundle, now)
                : removeRetiredKey(bundle, `root-${s.id}`);
          if (!result.ok) continue;
          expect(result.value.sequence).toBe(bundle.sequence + 1);
          expect(isNewerBundle(bundle, result.value)).toBe(true);
          bundle = result.value;
          expect(parseTrustBundle(bundle).ok).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('isNewerBundle', () => {
  it('swaps in only a strictly greater sequence', () => {
    expect(isNewerBundle(undefined, initial)).toBe(true);
    expect(isNewerBundle(initial, initial)).toBe(false);
    expect(isNewerBundle(initial, { ...initial, sequence: 0 })).toBe(false);
    expect(isNewerBundle(initial, { ...initial, sequence: 2 })).toBe(true);
  });
});
