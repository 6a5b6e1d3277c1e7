import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAgentId } from './agent-id.js';
import { decodeToken, durableName, percentEncode, subjectToken } from './subject-token.js';

const idChar = fc.constantFrom(...'abcxyzABCXYZ0189_-:@./'.split(''));
const idArb = fc
  .array(idChar, { minLength: 1, maxLength: 128 })
  .map((chars) => chars.join(''))
  .filter((id) => isAgentId(id));

describe('percentEncode', () => {
  it.each([
    ['region/nyc/node-1', 'region/nyc/node-1'],
    ['host:a.b', 'host:a%2Eb'],
    ['a%b', 'a%25b'],
    ['a b', 'a%20b'],
    ['nodé', 'nod%C3%A9'],
    ['*>', '%2A%3E'],
    ['\n', '%0A'],
    ['', ''],
  ])('%j → %j', (input, encoded) => {
    expect(percentEncode(input)).toBe(encoded);
  });

  it('output only holds safe characters and upper-case escapes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (input) => {
        expect(percentEncode(input)).toMatch(/^(?:[A-Za-z0-9_\-:@/]|%[0-9A-F]{2})*$/);
      }),
    );
  });
});

describe('subjectToken', () => {
  it.each([
    ['region/nyc/node-1', 'region/nyc/node-1'],
    ['host:a.b', 'host:a%2Eb'],
    ['.leading-dot', '%2Eleading-dot'],
  ])('%j → %j', (id, token) => {
    expect(subjectToken(id)).toEqual({ ok: true, token });
  });

  it.each([
    ['a*b', 'bad_character'],
    ['a>b', 'bad_character'],
    ['', 'empty'],
    ['../x', 'dot_dot'],
    ['/abs', 'leading_slash'],
    ['n'.repeat(129), 'too_long'],
  ])('refuses %j (%s)', (id, reason) => {
    expect(subjectToken(id)).toEqual({ ok: false, error: { code: 'BAD_REQUEST', reason } });
  });

  it('is a single NATS token that decodes back to the id', () => {
    fc.assert(
      fc.property(idArb, (id) => {
        const result = subjectToken(id);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.token).not.toMatch(/[.*> \t\r\n]/);
        expect(decodeToken(result.token)).toEqual({ ok: true, id });
      }),
    );
  });

  it('is injective on valid ids', () => {
    fc.assert(
      fc.property(idArb, idArb, (a, b) => {
        const ta = subjectToken(a);
        const tb = subjectToken(b);
        if (ta.ok && tb.ok && a !== b) expect(ta.token).not.toBe(tb.token);
      }),
    );
  });
});

describe('decodeToken', () => {
  it.each([
    ['host:a%2Eb', 'host:a.b'],
    ['a%2Eb%2Ec', 'a.b.c'],
    ['user@host:8080', 'user@host:8080'],
  ])('%j → %j', (token, id) => {
    expect(decodeToken(token)).toEqual({ ok: true, id });
  });

  it.each([
    ['host:a%2eb', 'bad_escape'],
    ['a%2', 'bad_escape'],
    ['a%', 'bad_escape'],
    ['a%G0', 'bad_escape'],
    ['a%2Db', 'not_canonical'],
    ['a.b', 'not_canonical'],
    ['a%25b', 'bad_character'],
    ['a%2A', 'bad_character'],
    ['%2E%2E', 'dot_dot'],
    ['', 'empty'],
    ['nod%C3%A9', 'bad_character'],
  ])('refuses %j (%s)', (token, reason) => {
    expect(decodeToken(token)).toEqual({ ok: false, error: { code: 'BAD_REQUEST', reason } });
  });

  it('never throws and only accepts canonical tokens of valid ids', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (token) => {
        const result = decodeToken(token);
        if (result.ok) {
          expect(isAgentId(result.id)).toBe(true);
          expect(subjectToken(result.id)).toEqual({ ok: true, token });
        } else {
          expect(result.error.code).toBe('BAD_REQUEST');
        }
      }),
    );
  });
});

describe('durableName', () => {
  it('is the role and the first 16 hex chars of SHA-256(node id)', () => {
    const hash = createHash('sha256').update('region/nyc/node-1').digest('hex');
    expect(durableName('sync', 'region/nyc/node-1')).toBe(`sync-${hash.slice(0, 16)}`);
  });

  it('never contains characters a durable name forbids', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (nodeId) => {
        expect(durableName('sync', nodeId)).toMatch(/^sync-[0-9a-f]{16}$/);
      }),
    );
  });

  it.each(['', 'Sync', 'a.b', 'a/b', 'a*', 'x'.repeat(33)])('throws on role %j', (role) => {
    expect(() => durableName(role, 'n')).toThrow(RangeError);
  });
});
