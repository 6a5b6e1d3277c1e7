import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_LOG_NAME,
  checkpointBytes,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
  type AuditCheckpoint,
} from './audit-checkpoint.js';
import { utf8 } from './bytes.js';
import { publicKeyFromSeed, signEd25519 } from './ed25519.js';
import { formatEd25519Header } from './signature-header.js';

const cp: AuditCheckpoint = {
  log: AUDIT_LOG_NAME,
  size: 5,
  head: 'ab'.repeat(32),
  at: '2030-03-17T17:46:50.123Z',
};
const seed = new Uint8Array(32).fill(11);
const publicKey = publicKeyFromSeed(seed);

describe('checkpointBytes', () => {
  it('is the JSON with keys log, size, head, at and no whitespace', () => {
    expect(Buffer.from(checkpointBytes(cp)).toString()).toBe(
      `{"log":"fedplane-audit","size":5,"head":"${'ab'.repeat(32)}","at":"2030-03-17T17:46:50.123Z"}`,
    );
  });

  it('ignores extra properties and key order of the input object', () => {
    const shuffled = { at: cp.at, head: cp.head, extra: 1, size: cp.size, log: cp.log };
    expect(checkpointBytes(shuffled)).toEqual(checkpointBytes(cp));
  });

  it.each([
    { log: 'other' },
    { size: 0 },
    { size: 1.5 },
    { size: Number.MAX_SAFE_INTEGER + 1 },
    { head: 'AB'.repeat(32) },
    { head: 'ab' },
    { at: 'now' },
  ])('throws on a malformed checkpoint %j', (patch) => {
    expect(() => checkpointBytes({ ...cp, ...patch })).toThrow(RangeError);
  });
});

describe('parseCheckpoint', () => {
  it('round-trips', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (size, head) => {
          const c = { ...cp, size, head: Buffer.from(head).toString('hex') };
          expect(parseCheckpoint(checkpointBytes(c))).toEqual({ ok: true, checkpoint: c });
        },
      ),
    );
  });

  const json = (value: unknown) => utf8(JSON.stringify(value));
  it.each([
    ['not_utf8', Uint8Array.of(0xff)],
    ['not_json', utf8('{')],
    ['not_object', utf8('[]')],
    ['not_object', utf8('null')],
    ['wrong_keys', json({ log: cp.log, size: 5, head: cp.head })],
    ['wrong_keys', json({ ...cp, extra: 1 })],
    ['wrong_keys', json({ log: cp.log, size: 5, head: cp.head, when: cp.at })],
    ['bad_log', json({ ...cp, log: 1 })],
    ['bad_log', json({ ...cp, log: 'other' })],
    ['bad_size', json({ ...cp, size: '5' })],
    ['bad_size', json({ ...cp, size: -1 })],
    ['bad_head', json({ ...cp, head: null })],
    ['bad_head', json({ ...cp, head: 'AB'.repeat(32) })],
    ['bad_at', json({ ...cp, at: 5 })],
    ['bad_at', json({ ...cp, at: 'soon' })],
    ['not_canonical', json({ at: cp.at, log: cp.log, size: 5, head: cp.head })],
    ['not_canonical', utf8(JSON.stringify(cp, null, 1))],
    ['not_canonical', utf8(Buffer.from(checkpointBytes(cp)).toString().replace(':5', ':5.0'))],
  ])('refuses %s', (problem, bytes) => {
    expect(parseCheckpoint(bytes)).toEqual({
      ok: false,
      error: { tag: 'checkpoint_malformed', problem },
    });
  });

  it('never throws on arbitrary bytes or JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.json().map(utf8)), (bytes) => {
        expect(typeof parseCheckpoint(bytes).ok).toBe('boolean');
      }),
    );
  });
});

describe('signCheckpoint / verifyCheckpoint', () => {
  const signed = signCheckpoint(seed, cp);

  it('verifies over the carried bytes and parses them', () => {
    expect(signed.bytes).toEqual(checkpointBytes(cp));
    expect(verifyCheckpoint(publicKey, signed.bytes, signed.sig)).toEqual({
      ok: true,
      checkpoint: cp,
    });
  });

  it.each([
    ['x_memory_sig_missing', () => verifyCheckpoint(publicKey, signed.bytes, null)],
    ['x_memory_sig_unknown_algorithm', () => verifyCheckpoint(publicKey, signed.bytes, 'rsa=x')],
    ['x_memory_sig_malformed', () => verifyCheckpoint(publicKey, signed.bytes, 'ed25519=AA==')],
    [
      'checkpoint_bad_signature',
      () => verifyCheckpoint(publicKey, checkpointBytes({ ...cp, size: 6 }), signed.sig),
    ],
    [
      'checkpoint_bad_signature',
      () => verifyCheckpoint(publicKeyFromSeed(new Uint8Array(32)), signed.bytes, signed.sig),
    ],
  ])('refuses: %s', (tag, run) => {
    expect(run()).toEqual({ ok: false, error: { tag } });
  });

  it('refuses validly signed bytes that are not a checkpoint', () => {
    const bytes = utf8('{"hello":1}');
    const sig = formatEd25519Header(signEd25519(seed, bytes));
    expect(verifyCheckpoint(publicKey, bytes, sig)).toEqual({
      ok: false,
      error: { tag: 'checkpoint_malformed', problem: 'wrong_keys' },
    });
  });
});
