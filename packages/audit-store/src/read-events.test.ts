import { describe, expect, it } from 'vitest';
import { toStoredAuditEvent } from './read-events.js';

const dbRow = {
  seq: '42',
  event_id: 'e-1',
  type: 'node.enrolled',
  actor: 'node-a',
  subject: null,
  at: '2025-01-01T00:00:00.000Z',
  body: Buffer.from('{}'),
  body_hash: Buffer.alloc(32, 1),
  signature: null,
  signer: null,
  attest_level: 'unsigned',
  prev_hash: Buffer.alloc(32, 2),
  entry_hash: Buffer.alloc(32, 3),
  stream_seq: null,
  recorded_at: '2025-01-01T00:00:01.123456Z',
};

describe('toStoredAuditEvent', () => {
  it('maps BIGINT text to numbers and keeps every other column as selected', () => {
    expect(toStoredAuditEvent(dbRow)).toEqual({ ...dbRow, seq: 42 });
    expect(toStoredAuditEvent({ ...dbRow, stream_seq: '9007199254740991' }).stream_seq).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('refuses a seq beyond 2^53 (a corrupt row, not a real chain)', () => {
    expect(() => toStoredAuditEvent({ ...dbRow, seq: '9007199254740993' })).toThrow(RangeError);
  });
});
