import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAgentId, isAgentId } from './agent-id.js';

describe('checkAgentId', () => {
  it.each([
    ['region/nyc/node-1'],
    ['host:a.b'],
    ['svc/issuer/i-1'],
    ['a@b_c-d'],
    ['x'.repeat(128)],
  ])('accepts %j', (id) => {
    expect(checkAgentId(id)).toEqual({ ok: true });
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(129), 'too_long'],
    ['a b', 'bad_character'],
    ['a*', 'bad_character'],
    ['a>', 'bad_character'],
    ['a%2E', 'bad_character'],
    ['é', 'bad_character'],
    ['a/../b', 'dot_dot'],
    ['..', 'dot_dot'],
    ['/abs', 'leading_slash'],
  ])('rejects %j as %s', (id, reason) => {
    expect(checkAgentId(id)).toEqual({ ok: false, reason });
  });

  it('never accepts subject wildcards, whitespace or control characters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 140 }), (id) => {
        if (isAgentId(id)) {
          expect(id).not.toMatch(/[*> \t\r\n\0%]/);
          expect(Buffer.byteLength(id)).toBeLessThanOrEqual(128);
        }
      }),
    );
  });
});
