import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newAuditEventProblem, type NewAuditEvent } from './audit-event.js';

const base: NewAuditEvent = {
  event_id: '01J0000000000000000000000A',
  type: 'node.enrolled',
  actor: 'svc/issuer/1',
  subject: 'node-a',
  at: '2025-01-02T03:04:05.678Z',
  body: new Uint8Array([1, 2, 3]),
  signature: new Uint8Array(64).fill(7),
  signer: 'issuer:root-1',
  attest_level: 'issuer_signed',
  stream_seq: 12,
};

/** `base` with some fields replaced by arbitrary (possibly ill-typed) values. */
function withFields(fields: Record<string, unknown>): NewAuditEvent {
  return { ...base, ...fields };
}

describe('newAuditEventProblem', () => {
  it('accepts a well-formed event', () => {
    expect(newAuditEventProblem(base)).toBeNull();
  });

  it.each([
    ['unsigned without signer', { attest_level: 'unsigned', signature: null, signer: null }],
    ['invalid_signature with a signature', { attest_level: 'invalid_signature' }],
    ['no subject, no stream seq', { subject: null, stream_seq: null }],
    ['empty body', { body: new Uint8Array() }],
    ['stream seq 0', { stream_seq: 0 }],
    ['a 255-byte signature', { signature: new Uint8Array(255) }],
    ['astral characters', { actor: 'agent-😀' }],
  ])('accepts %s', (_name, fields) => {
    expect(newAuditEventProblem(withFields(fields))).toBeNull();
  });

  it.each([
    ['empty event id', { event_id: '' }, 'event_id', 'event_id_empty'],
    ['NUL in type', { type: 'a\0b' }, 'type', 'text_not_storable'],
    ['lone surrogate in actor', { actor: 'x\uD800' }, 'actor', 'text_not_storable'],
    ['NUL in subject', { subject: '\0' }, 'subject', 'text_not_storable'],
    ['number as at', { at: 5 }, 'at', 'text_not_storable'],
    ['null event id', { event_id: null }, 'event_id', 'text_not_storable'],
    ['NUL in signer', { signer: 'issuer:\0' }, 'signer', 'text_not_storable'],
    ['body as string', { body: 'abc' }, 'body', 'body_not_bytes'],
    ['unknown level', { attest_level: 'daemon_signed' }, 'attest_level', 'attest_level_unknown'],
    ['empty signature', { signature: new Uint8Array() }, 'signature', 'signature_length'],
    ['256-byte signature', { signature: new Uint8Array(256) }, 'signature', 'signature_length'],
    ['signature as array', { signature: [1, 2] }, 'signature', 'signature_length'],
    ['signed level, no signature', { signature: null }, 'signature', 'signature_missing'],
    [
      'credential_signed, no signer',
      { attest_level: 'credential_signed', signer: null },
      'signer',
      'signer_missing',
    ],
    ['negative stream seq', { stream_seq: -1 }, 'stream_seq', 'stream_seq_invalid'],
    ['fractional stream seq', { stream_seq: 1.5 }, 'stream_seq', 'stream_seq_invalid'],
    ['unsafe stream seq', { stream_seq: 2 ** 53 }, 'stream_seq', 'stream_seq_invalid'],
  ])('refuses %s', (_name, fields, field, problem) => {
    expect(newAuditEventProblem(withFields(fields))).toEqual({ field, problem });
  });

  it('never throws, whatever the fields hold', () => {
    const anyValue = fc.oneof(
      fc.string(),
      fc.constant(null),
      fc.integer(),
      fc.double(),
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom('credential_signed', 'issuer_signed', 'unsigned', 'invalid_signature'),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...(Object.keys(base) as (keyof NewAuditEvent)[])), anyValue),
        (fields) => {
          const issue = newAuditEventProblem(withFields(fields));
          expect(issue === null || typeof issue.problem === 'string').toBe(true);
        },
      ),
    );
  });
});
