import fc from 'fast-check';
import { EVENT_TYPES, parseEventData, sha256, toHex, utf8 } from '@fedplane/core';
import type { NewAuditEvent } from '@fedplane/audit-store';
import { describe, expect, it } from 'vitest';
import { rejectionAlert, rejectionAlertId } from './rejection-alert.js';

const row: NewAuditEvent = {
  event_id: 'stream:42:0190a3f2-1234-7abc-8def-000000000001',
  type: 'test.happened',
  actor: 'region/nyc/node-1',
  subject: null,
  at: '2030-03-17T17:46:40.123Z',
  body: utf8('{"x":1}'),
  signature: null,
  signer: null,
  attest_level: 'invalid_signature',
  stream_seq: 42,
};
const rejection = {
  attestLevel: 'invalid_signature',
  reason: 'credential_expired',
  alert: true,
} as const;
const base = {
  row,
  rejection,
  seq: 7,
  auditorId: 'svc/auditor/a-1',
  receivedAtMs: 1_900_000_000_123,
  nowMs: 1_900_000_001_000,
};

describe('rejectionAlert', () => {
  it('builds a catalogued audit.rejected_event about the row', () => {
    const alert = rejectionAlert(base);
    expect(alert).toEqual({
      id: rejectionAlertId(row.event_id, base.receivedAtMs),
      type: 'audit.rejected_event',
      actor: 'svc/auditor/a-1',
      subject: row.event_id,
      at: new Date(base.nowMs).toISOString(),
      data: {
        seq: 7,
        event_id: row.event_id,
        type: 'test.happened',
        actor: 'region/nyc/node-1',
        attest_level: 'invalid_signature',
        reason: 'credential_expired',
        body_sha256: toHex(sha256(row.body)),
        stream_seq: 42,
      },
    });
    expect(parseEventData('audit.rejected_event', alert.data).ok).toBe(true);
    expect(EVENT_TYPES['audit.rejected_event'].subjectKind).toBe('event_id');
  });

  it('the id is a UUIDv7 derived from the row: the same row gives the same id', () => {
    const a = rejectionAlertId(row.event_id, base.receivedAtMs);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(rejectionAlertId(row.event_id, base.receivedAtMs)).toBe(a);
    expect(rejectionAlertId('stream:43', base.receivedAtMs)).not.toBe(a);
    expect(rejectionAlert({ ...base, nowMs: base.nowMs + 5 }).id).toBe(rejectionAlert(base).id);
  });

  it('omits what it does not know and clamps what does not fit', () => {
    const alert = rejectionAlert({
      ...base,
      seq: null,
      row: {
        ...row,
        event_id: '/bad id',
        stream_seq: null,
        actor: 'a'.repeat(300),
        type: 't'.repeat(70),
      },
      rejection: { ...rejection, reason: 'Not-A-Tag' },
      receivedAtMs: -5,
      nowMs: Number.NaN,
    });
    expect(alert).not.toHaveProperty('subject');
    expect(alert.data).not.toHaveProperty('seq');
    expect(alert.data).not.toHaveProperty('stream_seq');
    expect(alert.data.reason).toBe('invalid_signature');
    expect(alert.data.actor).toHaveLength(256);
    expect(alert.data.type).toHaveLength(64);
    expect(alert.at).toBe('1970-01-01T00:00:00.000Z');
    expect(parseEventData('audit.rejected_event', alert.data).ok).toBe(true);
  });

  it('data always satisfies the catalog schema (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          eventId: fc.string({ minLength: 1, maxLength: 200 }),
          type: fc.string({ maxLength: 300 }),
          actor: fc.string({ maxLength: 300 }),
          reason: fc.string({ maxLength: 80 }),
          streamSeq: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: null }),
          level: fc.constantFrom('unsigned' as const, 'invalid_signature' as const),
        }),
        ({ eventId, type, actor, reason, streamSeq, level }) => {
          const alert = rejectionAlert({
            ...base,
            row: { ...row, event_id: eventId, type, actor, stream_seq: streamSeq },
            rejection: { attestLevel: level, reason, alert: true },
          });
          expect(parseEventData('audit.rejected_event', alert.data).ok).toBe(true);
        },
      ),
    );
  });
});
