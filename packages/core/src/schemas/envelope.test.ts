import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckpointSchema } from './audit.js';
import { parseEnvelopeBody } from './envelope.js';
import { PostureSchema } from './status.js';

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');
const posture = {
  require_sig: true,
  revision: 2,
  decided_at: '2030-03-17T17:46:44.123Z',
  evidence: [],
};

describe('parseEnvelopeBody', () => {
  it('returns the value and the exact signed bytes', () => {
    // Not the canonical rendering: extra whitespace must survive in `bytes`.
    const text =
      ' { "require_sig" : true, "revision": 2, "decided_at": "2030-03-17T17:46:44.123Z", "evidence": [] }';
    const result = parseEnvelopeBody({ body: b64(text) }, PostureSchema);
    expect(result).toEqual({ ok: true, value: posture, bytes: new Uint8Array(Buffer.from(text)) });
  });

  it.each([
    ['not base64', '###', 'invalid_base64'],
    ['unpadded base64', 'e30', 'invalid_base64'],
    ['invalid UTF-8', b64(new Uint8Array([0xc3, 0x28])), 'invalid_utf8'],
    ['not JSON', b64('{'), 'invalid_json'],
    ['not a posture', b64('{}'), 'invalid_body'],
    [
      'a checkpoint, not a posture',
      b64(
        JSON.stringify({
          log: 'fedplane-audit',
          size: 1,
          head: '0'.repeat(64),
          at: posture.decided_at,
        }),
      ),
      'invalid_body',
    ],
  ])('refuses %s', (_label, body, tag) => {
    const result = parseEnvelopeBody({ body }, PostureSchema);
    expect(!result.ok && result.error.tag).toBe(tag);
  });

  it('never throws on random bodies', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array().map((b) => b64(b)),
        ),
        (body) => {
          const result = parseEnvelopeBody({ body }, CheckpointSchema);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
  });
});
