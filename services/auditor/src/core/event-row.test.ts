import fc from 'fast-check';
import { newAuditEventProblem } from '@fedplane/audit-store';
import {
  attestEvent,
  formatEd25519Header,
  issueCredential,
  publicKeyFromSeed,
  signEd25519,
  toBase64,
  toVerifierBundle,
  utf8,
  type EventAttestation,
  type SignedHeaders,
} from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import {
  INVALID_EVENT_TYPE,
  UNKNOWN_ACTOR,
  buildAuditRow,
  derivedEventId,
  fallbackRow,
  type ReceivedEvent,
} from './event-row.js';

const NOW = 1_900_000_000;
const ROOT = new Uint8Array(32).fill(1);
const NODE = new Uint8Array(32).fill(7);
const bundle = toVerifierBundle({
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
});
const cred = issueCredential({
  issuerSeed: ROOT,
  issuerId: 'root',
  trustDomain: 'fleet.example',
  subjectAgentId: 'region/nyc/node-1',
  subjectPubkey: publicKeyFromSeed(NODE),
  nowS: NOW,
  ttlS: 3600,
});
if (!cred.ok) throw new Error('cred');
const CRED = cred.value.header;
const ID = '0190a3f2-1234-7abc-8def-000000000001';
const EVENT = utf8(
  `{"id":"${ID}","type":"test.happened","actor":"region/nyc/node-1","subject":"region/nyc/node-2","at":"2030-03-17T17:46:40.123Z","data":{}}`,
);
const REJECTED_ALERT = utf8(
  `{"id":"${ID}","type":"audit.rejected_event","actor":"svc/auditor/a","at":"2030-03-17T17:46:40.123Z","data":{}}`,
);
const sig = (by: Uint8Array, body: Uint8Array) => formatEd25519Header(signEd25519(by, body));
const received = (body: Uint8Array, msgId?: string): ReceivedEvent => ({
  streamSeq: 42,
  body,
  msgId,
  receivedAt: '2030-03-17T17:46:41.000Z',
});
const attest = (headers: SignedHeaders, body: Uint8Array): EventAttestation =>
  attestEvent({ headers, body, bundle, nowS: NOW });

describe('buildAuditRow', () => {
  it('an authentic event keeps its own id and fields, signer = the credential', () => {
    const built = buildAuditRow(
      received(EVENT, ID),
      attest({ signature: sig(NODE, EVENT), credential: CRED }, EVENT),
    );
    expect(built.rejection).toBeNull();
    expect(built.row).toEqual({
      event_id: ID,
      type: 'test.happened',
      actor: 'region/nyc/node-1',
      subject: 'region/nyc/node-2',
      at: '2030-03-17T17:46:40.123Z',
      body: EVENT,
      signature: signEd25519(NODE, EVENT),
      signer: CRED,
      attest_level: 'credential_signed',
      stream_seq: 42,
    });
  });

  it('an issuer event has signer issuer:<id>', () => {
    const built = buildAuditRow(
      received(EVENT),
      attest({ signature: sig(ROOT, EVENT), issuer: 'root' }, EVENT),
    );
    expect(built.row).toMatchObject({
      event_id: ID,
      signer: 'issuer:root',
      attest_level: 'issuer_signed',
    });
    expect(built.rejection).toBeNull();
  });

  it('a forged event gets a derived id, keeps its claimed fields and carried signature, and is rejected', () => {
    const other = new Uint8Array(32).fill(9);
    const built = buildAuditRow(
      received(EVENT, ID),
      attest({ signature: sig(other, EVENT), credential: CRED }, EVENT),
    );
    expect(built.row).toMatchObject({
      event_id: `stream:42:${ID}`,
      type: 'test.happened',
      actor: 'region/nyc/node-1',
      attest_level: 'invalid_signature',
      signature: signEd25519(other, EVENT),
      signer: CRED,
    });
    expect(built.rejection).toEqual({
      attestLevel: 'invalid_signature',
      reason: 'bad_signature',
      alert: true,
    });
  });

  it('an unknown issuer id is kept as the signer of the invalid row', () => {
    const built = buildAuditRow(
      received(EVENT),
      attest({ signature: sig(ROOT, EVENT), issuer: 'ghost' }, EVENT),
    );
    expect(built.row).toMatchObject({ signer: 'issuer:ghost', attest_level: 'invalid_signature' });
    expect(built.rejection?.reason).toBe('unknown_issuer');
  });

  it('an invalid row without a parsable signature stores none', () => {
    const built = buildAuditRow(received(EVENT), attest({ credential: CRED }, EVENT));
    expect(built.row).toMatchObject({ signature: null, signer: CRED });
    expect(built.rejection?.reason).toBe('signature_missing');
    const none = buildAuditRow(received(EVENT), attest({ signature: sig(NODE, EVENT) }, EVENT));
    expect(none.row).toMatchObject({ signer: null, attest_level: 'invalid_signature' });
  });

  it('an unsigned event is rejected with reason unsigned', () => {
    const built = buildAuditRow(received(EVENT, ID), attest({}, EVENT));
    expect(built.row).toMatchObject({
      event_id: `stream:42:${ID}`,
      signature: null,
      signer: null,
      attest_level: 'unsigned',
    });
    expect(built.rejection).toEqual({ attestLevel: 'unsigned', reason: 'unsigned', alert: true });
  });

  it('a body that is not an event gets the placeholders and an id from Nats-Msg-Id', () => {
    const body = utf8('not an event');
    const built = buildAuditRow(received(body, 'msg.id/with*odd chars'), attest({}, body));
    expect(built.row).toEqual({
      event_id: 'stream:42:msgidwithoddchars',
      type: INVALID_EVENT_TYPE,
      actor: UNKNOWN_ACTOR,
      subject: null,
      at: '2030-03-17T17:46:41.000Z',
      body,
      signature: null,
      signer: null,
      attest_level: 'unsigned',
      stream_seq: 42,
    });
    expect(buildAuditRow(received(body), attest({}, body)).row.event_id).toBe('stream:42');
  });

  it('a signed body that is not an event: actor = the credential subject, no rejection', () => {
    const body = utf8('[1,2,3]');
    const built = buildAuditRow(
      received(body),
      attest({ signature: sig(NODE, body), credential: CRED }, body),
    );
    expect(built.row).toMatchObject({
      event_id: 'stream:42',
      type: INVALID_EVENT_TYPE,
      actor: 'region/nyc/node-1',
      attest_level: 'credential_signed',
    });
    expect(built.rejection).toBeNull();
    const issued = buildAuditRow(
      received(body),
      attest({ signature: sig(ROOT, body), issuer: 'root' }, body),
    );
    expect(issued.row.actor).toBe(UNKNOWN_ACTOR);
  });

  it('a rejected audit.rejected_event is recorded but raises no new alert', () => {
    const built = buildAuditRow(received(REJECTED_ALERT), attest({}, REJECTED_ALERT));
    expect(built.rejection).toEqual({ attestLevel: 'unsigned', reason: 'unsigned', alert: false });
  });

  it('every row built from any bytes and headers is storable (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          body: fc.uint8Array({ maxLength: 200 }),
          signature: fc.option(fc.string(), { nil: undefined }),
          issuer: fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
          msgId: fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
          streamSeq: fc.integer({ min: 1, max: 2 ** 40 }),
        }),
        ({ body, signature, issuer, msgId, streamSeq }) => {
          const built = buildAuditRow(
            { streamSeq, body, msgId, receivedAt: '2030-03-17T17:46:41.000Z' },
            attest({ signature, issuer }, body),
          );
          const row =
            newAuditEventProblem(built.row) === null
              ? built.row
              : fallbackRow(built.row, '2030-03-17T17:46:41.000Z');
          expect(newAuditEventProblem(row)).toBeNull();
          expect(row.body).toBe(body);
        },
      ),
    );
  });
});

describe('derivedEventId', () => {
  it('keeps [A-Za-z0-9_-] of the tag, at most 64 characters', () => {
    expect(derivedEventId(7, undefined)).toBe('stream:7');
    expect(derivedEventId(7, '')).toBe('stream:7');
    expect(derivedEventId(7, '..//')).toBe('stream:7');
    expect(derivedEventId(7, 'a'.repeat(100))).toBe(`stream:7:${'a'.repeat(64)}`);
  });
});

describe('fallbackRow', () => {
  it('keeps body, level, signature and sequence; replaces text; keeps an authentic signer only', () => {
    const base = buildAuditRow(
      received(EVENT, ID),
      attest({ signature: sig(ROOT, EVENT), issuer: 'gh\u0000ost' }, EVENT),
    ).row;
    expect(newAuditEventProblem(base)).not.toBeNull();
    const row = fallbackRow(base, '2030-03-17T17:46:41.000Z');
    expect(newAuditEventProblem(row)).toBeNull();
    expect(row).toMatchObject({
      event_id: 'stream:42',
      type: INVALID_EVENT_TYPE,
      actor: UNKNOWN_ACTOR,
      signer: null,
      attest_level: 'invalid_signature',
      stream_seq: 42,
    });
    const authentic = buildAuditRow(
      received(EVENT),
      attest({ signature: sig(ROOT, EVENT), issuer: 'root' }, EVENT),
    ).row;
    expect(fallbackRow(authentic, 'x').signer).toBe('issuer:root');
    expect(fallbackRow({ ...authentic, stream_seq: null }, 'x').event_id).toBe('stream:0');
  });
});
