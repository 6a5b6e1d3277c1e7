import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatEd25519Header, parseEd25519Header } from './signature-header.js';

const sig = Uint8Array.from({ length: 64 }, (_, i) => i * 3);
const sigB64 = Buffer.from(sig).toString('base64');

describe('formatEd25519Header', () => {
  it('writes ed25519= and padded base64', () => {
    expect(formatEd25519Header(sig)).toBe(`ed25519=${sigB64}`);
    expect(formatEd25519Header(sig)).toMatch(/==$/);
  });

  it('refuses a signature that is not 64 bytes (programmer error)', () => {
    expect(() => formatEd25519Header(new Uint8Array(63))).toThrow(RangeError);
  });
});

describe('parseEd25519Header', () => {
  const ok = (value: string) => {
    const parsed = parseEd25519Header(value);
    expect(parsed.ok).toBe(true);
    return parsed.ok ? parsed.value : undefined;
  };

  it.each([
    ['plain', `ed25519=${sigB64}`],
    ['surrounding whitespace', `  ed25519=${sigB64}\t`],
    ['trailing parameters', `ed25519=${sigB64}; key=value`],
    ['a second algorithm after ;', `ed25519=${sigB64}; rsa=other`],
    ['whitespace before ;', `ed25519=${sigB64} ;x`],
  ])('accepts %s', (_label, value) => {
    expect(ok(value)).toEqual(sig);
  });

  it.each([
    ['missing (undefined)', undefined, 'x_memory_sig_missing'],
    ['missing (null)', null, 'x_memory_sig_missing'],
    ['empty', '', 'x_memory_sig_unknown_algorithm'],
    ['rsa', `rsa=${sigB64}`, 'x_memory_sig_unknown_algorithm'],
    ['upper-case prefix', `ED25519=${sigB64}`, 'x_memory_sig_unknown_algorithm'],
    ['algorithm only after ;', `rsa=x; ed25519=${sigB64}`, 'x_memory_sig_unknown_algorithm'],
    ['not base64', 'ed25519=!!!!', 'x_memory_sig_malformed'],
    ['32 bytes', `ed25519=${Buffer.alloc(32).toString('base64')}`, 'x_memory_sig_malformed'],
    ['65 bytes', `ed25519=${Buffer.alloc(65).toString('base64')}`, 'x_memory_sig_malformed'],
    ['unpadded', `ed25519=${sigB64.replace(/=+$/, '')}`, 'x_memory_sig_malformed'],
    [
      'url-safe alphabet',
      `ed25519=${Buffer.alloc(64, 0xff).toString('base64url')}==`,
      'x_memory_sig_malformed',
    ],
    ['space inside', `ed25519= ${sigB64}`, 'x_memory_sig_malformed'],
    ['empty signature', 'ed25519=', 'x_memory_sig_malformed'],
  ])('refuses %s', (_label, value, tag) => {
    expect(parseEd25519Header(value)).toEqual({ ok: false, error: { tag } });
  });

  it('round-trips every 64-byte signature', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        expect(ok(formatEd25519Header(bytes))).toEqual(bytes);
      }),
    );
  });

  it('never throws on arbitrary strings and returns a typed error or 64 bytes', () => {
    const tags = ['x_memory_sig_unknown_algorithm', 'x_memory_sig_malformed'];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `ed25519=${s}`),
          fc.base64String(),
        ),
        (value) => {
          const parsed = parseEd25519Header(value);
          if (parsed.ok) expect(parsed.value.byteLength).toBe(64);
          else expect(tags).toContain(parsed.error.tag);
        },
      ),
      { numRuns: 500 },
    );
  });
});
