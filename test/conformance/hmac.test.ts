import { afterAll, describe, expect, it } from 'vitest';
import {
  hmacCanonical,
  hmacKey,
  signApproval,
  verifyApproval,
} from '../../packages/core/src/hmac.js';
import { hex, loadVectors, type VectorCase } from './vectors.js';

type SignCase = {
  secret: string;
  timestamp: string;
  pending_id: string;
  method: string;
  body: string;
  body_hex: string;
  expect: { key: string; canonical: string; canonical_hex: string; signature: string };
};
type VerifyCase = {
  secret: string | null;
  now: number;
  pending_id: string;
  method: string;
  body: string;
  body_hex: string;
  headers: { 'x-ai-memory-signature': string | null; 'x-ai-memory-timestamp': string | null };
  expect: Record<string, unknown>;
};

const v = loadVectors('hmac.json');
afterAll(() => v.assertAllRan());

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function expectKeys(actual: Record<string, unknown>, want: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(want)) expect(actual[key], key).toEqual(value);
}

function runSign(c: SignCase): void {
  expect(Buffer.from(c.body, 'utf8').toString('hex')).toBe(c.body_hex);
  const body = hex(c.body_hex);
  const canonical = hmacCanonical(c.timestamp, c.method, c.pending_id, body);
  const signature = signApproval({
    secret: c.secret,
    timestamp: c.timestamp,
    pendingId: c.pending_id,
    body,
    method: c.method,
  });
  expectKeys(
    {
      key: toHex(hmacKey(c.secret)),
      canonical: Buffer.from(canonical).toString('utf8'),
      canonical_hex: toHex(canonical),
      signature,
    },
    c.expect,
  );
  // What is signed verifies, at the signing time.
  const verified = verifyApproval({
    secret: c.secret,
    nowS: Number(c.timestamp),
    pendingId: c.pending_id,
    method: c.method,
    rawBody: body,
    signatureHeader: signature,
    timestampHeader: c.timestamp,
  });
  expect(verified).toEqual({ ok: true, timestamp: Number(c.timestamp) });
}

function runVerify(c: VerifyCase): void {
  expect(Buffer.from(c.body, 'utf8').toString('hex')).toBe(c.body_hex);
  const result = verifyApproval({
    secret: c.secret,
    nowS: c.now,
    pendingId: c.pending_id,
    method: c.method,
    rawBody: hex(c.body_hex),
    signatureHeader: c.headers['x-ai-memory-signature'],
    timestampHeader: c.headers['x-ai-memory-timestamp'],
  });
  expectKeys(result.ok ? { ok: true } : { error: result.error.code }, c.expect);
  expect(Object.keys(c.expect)).toHaveLength(1);
}

describe('hmac.json', () => {
  it.each(v.cases)('$name', (c: VectorCase) => {
    switch (c.kind ?? '') {
      case 'sign':
        runSign(c as unknown as SignCase);
        break;
      case 'verify':
        runVerify(c as unknown as VerifyCase);
        break;
      default:
        throw new Error(`unknown kind ${String(c.kind)}`);
    }
    v.ran(c.name);
  });
});
