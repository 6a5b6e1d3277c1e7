import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBase64, utf8 } from './bytes.js';
import { publicKeyFromSeed } from './ed25519.js';
import {
  NONCE_WINDOW_MS,
  checkNonce,
  getSignedBytes,
  nonceFingerprint,
  pushSignedBytes,
  signMessage,
  verifyMessageSignature,
} from './message-signature.js';

const seed = new Uint8Array(32).fill(7);
const publicKey = publicKeyFromSeed(seed);
const body = utf8('{"sender_agent_id":"region/nyc/node-1","memories":[]}');

describe('signed bytes', () => {
  it('push: body ‖ 0x00 ‖ nonce, or the body alone', () => {
    expect(pushSignedBytes(body, 'n-1')).toEqual(
      new Uint8Array(Buffer.concat([body, Buffer.from([0]), Buffer.from('n-1')])),
    );
    expect(pushSignedBytes(body)).toEqual(body);
    expect(pushSignedBytes(body, null)).toEqual(body);
    expect(pushSignedBytes(body, '')).toEqual(new Uint8Array([...body, 0]));
  });

  it('get: "GET" LF path LF query, then 0x00 ‖ nonce', () => {
    expect(Buffer.from(getSignedBytes('/p', 'a=1&b=%2F', 'n')).toString('latin1')).toBe(
      'GET\n/p\na=1&b=%2F\0n',
    );
    expect(Buffer.from(getSignedBytes('/p', '')).toString('latin1')).toBe('GET\n/p\n');
  });
});

describe('signMessage / verifyMessageSignature', () => {
  it('round-trips with and without a nonce', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.option(fc.string()), (raw, nonce) => {
        const bytes = pushSignedBytes(raw, nonce);
        const header = signMessage(seed, bytes);
        expect(header).toMatch(/^ed25519=[A-Za-z0-9+/]{86}==$/);
        expect(verifyMessageSignature(publicKey, bytes, header)).toEqual({ ok: true });
      }),
    );
  });

  const header = signMessage(seed, pushSignedBytes(body, 'n-1'));
  const signed = pushSignedBytes(body, 'n-1');
  const sig = header.slice('ed25519='.length);

  it.each([
    [undefined, 'x_memory_sig_missing'],
    [null, 'x_memory_sig_missing'],
    [`rsa=${sig}`, 'x_memory_sig_unknown_algorithm'],
    ['', 'x_memory_sig_unknown_algorithm'],
    [`ED25519=${sig}`, 'x_memory_sig_unknown_algorithm'],
    ['ed25519=%%%', 'x_memory_sig_malformed'],
    [`ed25519=${toBase64(new Uint8Array(32))}`, 'x_memory_sig_malformed'],
    [`ed25519=${sig.slice(0, -2)}`, 'x_memory_sig_malformed'],
    [`ed25519=${toBase64(new Uint8Array(64))}`, 'x_memory_sig_bad_signature'],
  ])('header %j → %s', (value, tag) => {
    expect(verifyMessageSignature(publicKey, signed, value)).toEqual({ ok: false, error: { tag } });
  });

  it('tolerates surrounding spaces and trailing parameters', () => {
    expect(verifyMessageSignature(publicKey, signed, `  ${header} ; key=v`)).toEqual({ ok: true });
  });

  it('binds the nonce and the body', () => {
    const bad = { ok: false, error: { tag: 'x_memory_sig_bad_signature' } };
    expect(verifyMessageSignature(publicKey, pushSignedBytes(body), header)).toEqual(bad);
    expect(verifyMessageSignature(publicKey, pushSignedBytes(body, 'n-2'), header)).toEqual(bad);
    expect(verifyMessageSignature(publicKey, pushSignedBytes(utf8('{}'), 'n-1'), header)).toEqual(
      bad,
    );
    expect(verifyMessageSignature(new Uint8Array(32).fill(1), signed, header)).toEqual(bad);
    expect(verifyMessageSignature(new Uint8Array(3), signed, header)).toEqual(bad);
  });

  it('never throws on arbitrary header values', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (value) => {
        const result = verifyMessageSignature(publicKey, signed, value);
        expect(result.ok).toBe(false);
      }),
    );
  });
});

describe('checkNonce', () => {
  const nowMs = 1_900_000_000_000;
  const base = { nonce: 'n-1', senderWallClockMs: nowMs, nowMs, seen: false };

  it.each([
    [{}, { ok: true, timeBounded: true }],
    [{ senderWallClockMs: null }, { ok: true, timeBounded: false }],
    [{ senderWallClockMs: nowMs - NONCE_WINDOW_MS }, { ok: true, timeBounded: true }],
    [{ senderWallClockMs: nowMs + NONCE_WINDOW_MS }, { ok: true, timeBounded: true }],
    [{ senderWallClockMs: nowMs - NONCE_WINDOW_MS - 1 }, { tag: 'x_memory_clock_skew' }],
    [{ senderWallClockMs: nowMs + NONCE_WINDOW_MS + 1 }, { tag: 'x_memory_clock_skew' }],
    [{ senderWallClockMs: Number.NaN }, { tag: 'x_memory_clock_skew' }],
    [{ senderWallClockMs: nowMs - 2000, windowMs: 1000 }, { tag: 'x_memory_clock_skew' }],
    [{ seen: true }, { tag: 'x_memory_nonce_replay' }],
    [{ seen: true, senderWallClockMs: 0 }, { tag: 'x_memory_nonce_replay' }],
    [{ nonce: null }, { tag: 'x_memory_nonce_missing' }],
    [{ nonce: undefined }, { tag: 'x_memory_nonce_missing' }],
    [{ nonce: '' }, { tag: 'x_memory_nonce_missing' }],
    [
      { nonce: null, requireNonce: false },
      { ok: true, timeBounded: true },
    ],
    [
      { nonce: null, requireNonce: false, senderWallClockMs: null },
      { ok: true, timeBounded: false },
    ],
    [{ nonce: null, requireNonce: false, senderWallClockMs: 0 }, { tag: 'x_memory_clock_skew' }],
    [
      { nonce: '', requireNonce: false, seen: true },
      { ok: true, timeBounded: true },
    ],
  ])('%j → %j', (patch, expected) => {
    const result = checkNonce({ ...base, ...patch });
    if ('tag' in expected) expect(result).toEqual({ ok: false, error: expected });
    else expect(result).toEqual(expected);
  });

  it('never accepts a seen nonce or a wall clock outside the window', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string(), { nil: null }),
        fc.option(fc.integer(), { nil: null }),
        fc.boolean(),
        fc.boolean(),
        (nonce, skew, seen, requireNonce) => {
          const result = checkNonce({
            nonce,
            senderWallClockMs: skew === null ? null : nowMs + skew,
            nowMs,
            seen,
            requireNonce,
          });
          if (result.ok) {
            if (nonce) expect(seen).toBe(false);
            else expect(requireNonce).toBe(false);
            if (skew !== null) expect(Math.abs(skew)).toBeLessThanOrEqual(NONCE_WINDOW_MS);
            expect(result.timeBounded).toBe(skew !== null);
          }
        },
      ),
    );
  });
});

describe('nonceFingerprint', () => {
  it('is SHA-256 of the length-prefixed peer id and nonce', () => {
    const expected = createHash('sha256')
      .update(Buffer.from([0, 0, 0, 2]))
      .update('p1')
      .update(Buffer.from([0, 0, 0, 3]))
      .update('abc')
      .digest();
    expect(nonceFingerprint('p1', 'abc')).toEqual(new Uint8Array(expected));
  });

  it('separates peers whose ids and nonces concatenate alike', () => {
    expect(nonceFingerprint('p1', 'abc')).not.toEqual(nonceFingerprint('p1a', 'bc'));
  });
});
