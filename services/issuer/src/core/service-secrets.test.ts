import fc from 'fast-check';
import { sha256Hex, utf8 } from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { checkServiceSecret, parseServiceSecrets } from './service-secrets.js';

const SECRET = 'auditor-bootstrap-secret-0123456789';
const HASH = sha256Hex(utf8(SECRET));

describe('parseServiceSecrets', () => {
  it('parses service → sha256 hex (either case)', () => {
    const r = parseServiceSecrets(JSON.stringify({ auditor: HASH, approvals: HASH.toUpperCase() }));
    expect(r.ok).toBe(true);
    if (r.ok) expect([...r.value.keys()]).toEqual(['auditor', 'approvals']);
  });
  it('accepts an empty object', () => {
    expect(parseServiceSecrets('{}')).toMatchObject({ ok: true });
  });
  it.each([
    ['not JSON', '{', ['not JSON']],
    ['an array', '[]', ['expected a JSON object {"<service>": "<sha256 hex>"}']],
    ['null', 'null', ['expected a JSON object {"<service>": "<sha256 hex>"}']],
    ['unknown service', JSON.stringify({ mailer: HASH }), ['"mailer": not a service name']],
    [
      'short hash',
      JSON.stringify({ auditor: 'abc' }),
      ['auditor: expected 64 hex characters (SHA-256 of the secret)'],
    ],
    [
      'non-string hash',
      JSON.stringify({ auditor: 5 }),
      ['auditor: expected 64 hex characters (SHA-256 of the secret)'],
    ],
  ])('refuses %s', (_name, text, problems) => {
    expect(parseServiceSecrets(text)).toEqual({ ok: false, problems });
  });
  it('fuzz: never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const r = parseServiceSecrets(text);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });
});

describe('checkServiceSecret', () => {
  const parsed = parseServiceSecrets(JSON.stringify({ auditor: HASH }));
  const hashes = parsed.ok ? parsed.value : new Map();
  it('accepts the right secret', () => {
    expect(checkServiceSecret(hashes, 'auditor', SECRET)).toBe(true);
  });
  it('refuses a wrong secret and an unknown service', () => {
    expect(checkServiceSecret(hashes, 'auditor', `${SECRET}x`)).toBe(false);
    expect(checkServiceSecret(hashes, 'approvals', SECRET)).toBe(false);
  });
});
