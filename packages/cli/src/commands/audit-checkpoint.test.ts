import {
  checkpointBytes,
  issueCredential,
  publicKeyFromSeed,
  signCheckpoint,
  toBase64,
  type TrustBundle,
  toVerifierBundle,
} from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import { readBundleFile, readCheckpointFile } from './audit-checkpoint.js';

const ROOT = new Uint8Array(32).fill(1);
const AUDITOR = new Uint8Array(32).fill(4);
const OTHER = new Uint8Array(32).fill(5);
const AT = '2030-03-17T17:46:40.000Z';
const AT_S = Date.parse(AT) / 1000;
const trust: TrustBundle = {
  trust_domain: 'fleet.example',
  sequence: 1,
  refresh_hint_s: 60,
  keys: [
    {
      issuer_id: 'root',
      public_key: toBase64(publicKeyFromSeed(ROOT)),
      state: 'active',
      added_at: '2030-01-01T00:00:00Z',
    },
  ],
};
const cred = issueCredential({
  issuerSeed: ROOT,
  issuerId: 'root',
  trustDomain: 'fleet.example',
  subjectAgentId: 'svc/auditor/a',
  subjectPubkey: publicKeyFromSeed(AUDITOR),
  nowS: AT_S - 10,
  ttlS: 60,
});
if (!cred.ok) throw new Error('cred');
const checkpoint = { log: 'fedplane-audit', size: 42, head: 'ab'.repeat(32), at: AT };
const signed = signCheckpoint(AUDITOR, checkpoint);
const envelope = (sig = signed.sig, body = toBase64(signed.bytes)) =>
  JSON.stringify({ body, sig, cred: cred.value.header });

function io(files: Record<string, string>): CliIo {
  return {
    out: () => undefined,
    err: () => undefined,
    readText: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return text;
    },
    nowS: () => AT_S + 100_000,
  };
}

describe('readCheckpointFile', () => {
  const bundle = toVerifierBundle(trust);
  it('a signed envelope: verified with the bundle as of its own time, else under the credential key', () => {
    const files = io({ cp: envelope() });
    expect(readCheckpointFile(files, 'cp', bundle)).toEqual({
      ok: true,
      checkpoint,
      trust: 'verified',
    });
    expect(readCheckpointFile(files, 'cp', undefined)).toEqual({
      ok: true,
      checkpoint,
      trust: 'key_only',
    });
  });

  it('a wrong signature is refused either way', () => {
    const forged = signCheckpoint(OTHER, checkpoint).sig;
    const files = io({ cp: envelope(forged) });
    expect(readCheckpointFile(files, 'cp', bundle)).toMatchObject({
      ok: false,
      error: 'checkpoint_bad_signature',
      reason: 'bad_signature',
    });
    expect(readCheckpointFile(files, 'cp', undefined)).toMatchObject({
      ok: false,
      error: 'checkpoint_bad_signature',
    });
  });

  it('an envelope from an unknown issuer fails with the bundle', () => {
    const other = toVerifierBundle({ ...trust, keys: [{ ...trust.keys[0]!, issuer_id: 'other' }] });
    expect(readCheckpointFile(io({ cp: envelope() }), 'cp', other)).toMatchObject({
      ok: false,
      reason: 'credential_unknown_issuer',
    });
  });

  it('a bare checkpoint is taken as given', () => {
    const files = io({
      cp: JSON.stringify({ at: AT, head: checkpoint.head, size: 42, log: 'fedplane-audit' }),
    });
    expect(readCheckpointFile(files, 'cp', undefined)).toEqual({
      ok: true,
      checkpoint,
      trust: 'unsigned',
    });
  });

  it.each([
    ['not JSON', 'nope', 'not_json_object'],
    ['an array', '[]', 'not_json_object'],
    ['a bad envelope', '{"body":1}', 'envelope'],
    [
      'an envelope whose body is not a checkpoint',
      envelope(signed.sig, toBase64(new TextEncoder().encode('{}'))),
      'body',
    ],
    ['bare fields wrong', '{"log":"x","size":1}', 'fields'],
  ])('%s is malformed', (_, text, reason) => {
    expect(readCheckpointFile(io({ cp: text }), 'cp', undefined)).toEqual({
      ok: false,
      error: 'checkpoint_malformed',
      reason,
    });
  });

  it('an unreadable file is a usage error', () => {
    expect(() => readCheckpointFile(io({}), 'missing', undefined)).toThrow(UsageError);
  });

  it('the bytes it accepts are the canonical checkpoint bytes', () => {
    expect(new TextDecoder().decode(checkpointBytes(checkpoint))).toBe(JSON.stringify(checkpoint));
  });
});

describe('readBundleFile', () => {
  it('reads a fed-trust bundle', () => {
    expect(readBundleFile(io({ b: JSON.stringify(trust) }), 'b').keys.get('root')).toEqual(
      publicKeyFromSeed(ROOT),
    );
  });
  it('refuses non-JSON and non-bundles', () => {
    expect(() => readBundleFile(io({ b: 'x' }), 'b')).toThrow(/not JSON/);
    expect(() => readBundleFile(io({ b: '{}' }), 'b')).toThrow(/not a fed-trust bundle/);
  });
});
