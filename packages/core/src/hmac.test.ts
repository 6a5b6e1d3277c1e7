import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from './bytes.js';
import {
  APPROVAL_WINDOW_FUTURE_S,
  APPROVAL_WINDOW_PAST_S,
  approvalReplayKey,
  hmacCanonical,
  hmacKey,
  signApproval,
  verifyApproval,
  type VerifyApprovalInput,
} from './hmac.js';

const secret = 'k10-approvals-secret';
const nowS = 1_900_000_000;
const pendingId = '01JD2M6R4V8X0Z2B4D6F8H0K2M';
const body = utf8('{"decision":"approve","remember":"once"}');

/** Independent reference: HMAC keyed with the raw SHA-256 digest of the secret. */
function reference(ts: string, method: string, id: string, raw: Uint8Array): string {
  const key = createHash('sha256').update(secret, 'utf8').digest();
  const mac = createHmac('sha256', key).update(`${ts}.${method}.${id}.`).update(raw);
  return 'sha256=' + mac.digest('hex');
}

function request(patch: Partial<VerifyApprovalInput> = {}): VerifyApprovalInput {
  return {
    secret,
    nowS,
    pendingId,
    method: 'POST',
    rawBody: body,
    signatureHeader: reference(String(nowS), 'POST', pendingId, body),
    timestampHeader: String(nowS),
    ...patch,
  };
}

describe('hmacKey / hmacCanonical / signApproval', () => {
  it('derives the raw digest key', () => {
    expect(hmacKey(secret)).toEqual(new Uint8Array(createHash('sha256').update(secret).digest()));
  });

  it('builds "<ts>.<METHOD>.<id>.<body>"', () => {
    expect(Buffer.from(hmacCanonical('12', 'POST', 'id', utf8('{}'))).toString()).toBe(
      '12.POST.id.{}',
    );
  });

  it('agrees with the reference computation', () => {
    fc.assert(
      fc.property(fc.nat(), fc.string(), fc.uint8Array({ maxLength: 80 }), (ts, id, raw) => {
        expect(signApproval({ secret, timestamp: ts, pendingId: id, body: raw })).toBe(
          reference(String(ts), 'POST', id, raw),
        );
      }),
    );
    expect(
      signApproval({ secret, timestamp: '7', pendingId: 'x', body: '{}', method: 'DELETE' }),
    ).toBe(reference('7', 'DELETE', 'x', utf8('{}')));
  });
});

describe('verifyApproval', () => {
  it('accepts a valid request and returns the timestamp', () => {
    expect(verifyApproval(request())).toEqual({ ok: true, timestamp: nowS });
  });

  it.each([
    [-APPROVAL_WINDOW_PAST_S, true],
    [-APPROVAL_WINDOW_PAST_S - 1, false],
    [APPROVAL_WINDOW_FUTURE_S, true],
    [APPROVAL_WINDOW_FUTURE_S + 1, false],
  ])('timestamp now%+d accepted: %s', (delta, ok) => {
    const ts = String(nowS + delta);
    const result = verifyApproval(
      request({ timestampHeader: ts, signatureHeader: reference(ts, 'POST', pendingId, body) }),
    );
    expect(result.ok).toBe(ok);
  });

  const good = reference(String(nowS), 'POST', pendingId, body);
  it.each([
    [{ secret: null }, 'no_secret'],
    [{ secret: '' }, 'no_secret'],
    [{ signatureHeader: null }, 'signature_missing'],
    [{ signatureHeader: undefined }, 'signature_missing'],
    [{ signatureHeader: good.toUpperCase() }, 'signature_bad_prefix'],
    [{ signatureHeader: good.slice(7) }, 'signature_bad_prefix'],
    [{ signatureHeader: ' ' + good }, 'signature_bad_prefix'],
    [{ timestampHeader: null }, 'timestamp_missing'],
    [{ timestampHeader: 'soon' }, 'timestamp_not_integer'],
    [{ timestampHeader: '1.5' }, 'timestamp_not_integer'],
    [{ timestampHeader: '' }, 'timestamp_not_integer'],
    [{ timestampHeader: ' 1900000000' }, 'timestamp_not_integer'],
    [{ timestampHeader: '1899999699' }, 'timestamp_stale'],
    [{ timestampHeader: '-1' }, 'timestamp_stale'],
    [{ timestampHeader: '9'.repeat(40) }, 'timestamp_future'],
    [{ timestampHeader: '1900000001' }, 'signature_mismatch'],
    [{ signatureHeader: 'sha256=' + good.slice(7).toUpperCase() }, 'signature_mismatch'],
    [{ signatureHeader: good.slice(0, -2) }, 'signature_mismatch'],
    [{ signatureHeader: good + '00' }, 'signature_mismatch'],
    [{ rawBody: utf8('{"decision":"deny","remember":"once"}') }, 'signature_mismatch'],
    [{ pendingId: 'other' }, 'signature_mismatch'],
    [{ method: 'DELETE' }, 'signature_mismatch'],
    [{ secret: 'other' }, 'signature_mismatch'],
    [{ rawBody: Uint8Array.of(0xff) }, 'body_not_utf8'],
  ])('%j → %s', (patch, reason) => {
    expect(verifyApproval(request(patch))).toEqual({
      ok: false,
      error: { code: 'UNAUTHENTICATED', reason },
    });
  });

  it('accepts a leading plus sign and zeros, signed exactly as sent', () => {
    const ts = '+01900000000';
    expect(
      verifyApproval(
        request({ timestampHeader: ts, signatureHeader: reference(ts, 'POST', pendingId, body) }),
      ),
    ).toEqual({ ok: true, timestamp: nowS });
  });

  it('never throws and never accepts a header it did not sign', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string({ unit: 'binary' }), { nil: null }),
        fc.option(fc.string({ unit: 'binary' }), { nil: null }),
        (signatureHeader, timestampHeader) => {
          const result = verifyApproval(request({ signatureHeader, timestampHeader }));
          if (result.ok) {
            expect(signatureHeader).toBe(reference(timestampHeader ?? '', 'POST', pendingId, body));
          } else {
            expect(result.error.code).toBe('UNAUTHENTICATED');
          }
        },
      ),
    );
  });
});

describe('approvalReplayKey', () => {
  it('is the hex SHA-256 of the header value', () => {
    expect(approvalReplayKey('sha256=ab')).toBe(
      createHash('sha256').update('sha256=ab').digest('hex'),
    );
    expect(approvalReplayKey('sha256=ab')).not.toBe(approvalReplayKey('sha256=ac'));
  });
});
