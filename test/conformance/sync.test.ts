import { afterAll, describe, expect, it } from 'vitest';
import {
  conflictWinner,
  recordOrderKey,
  type RecordOrderKey,
} from '../../packages/core/src/conflict.js';
import { publicKeyFromSeed } from '../../packages/core/src/ed25519.js';
import {
  getSignedBytes,
  pushSignedBytes,
  signMessage,
  verifyMessageSignature,
} from '../../packages/core/src/message-signature.js';
import { validateSyncRecord } from '../../packages/core/src/record.js';
import { decodeToken, percentEncode, subjectToken } from '../../packages/core/src/subject-token.js';
import { hex, loadVectors, type VectorCase } from './vectors.js';

type Side = { id: string; namespace: string; updated_at: string; json: string; json_hex: string };
type Expected = Record<string, unknown>;

const v = loadVectors('sync.json');
afterAll(() => v.assertAllRan());

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const str = (c: VectorCase, key: string): string => c[key] as string;
const nonceOf = (c: VectorCase): string | null => c['nonce'] as string | null;
const expected = (c: VectorCase): Expected => c.expect as Expected;

function expectKeys(actual: Expected, want: Expected): void {
  for (const [key, value] of Object.entries(want)) expect(actual[key], key).toEqual(value);
}

function orderKey(side: Side): RecordOrderKey {
  expect(Buffer.from(side.json, 'utf8').toString('hex')).toBe(side.json_hex);
  const record = JSON.parse(side.json) as Record<string, unknown>;
  expect(record['id']).toBe(side.id);
  expect(record['namespace']).toBe(side.namespace);
  expect(record['updated_at']).toBe(side.updated_at);
  expect(validateSyncRecord(record).ok, 'the record is valid').toBe(true);
  const result = recordOrderKey(hex(side.json_hex), side.updated_at);
  if (!result.ok) throw new Error(`bad updated_at ${side.updated_at}`);
  return result.key;
}

function runConflict(c: VectorCase): void {
  const a = orderKey(c['a'] as Side);
  const b = orderKey(c['b'] as Side);
  const want = expected(c) as { winner: string; a: Expected; b: Expected };
  const winner = conflictWinner(a, b);
  const swapped = conflictWinner(b, a);
  expectKeys(
    {
      winner,
      a: { instant_ms: a.instantMs, content_hash: a.contentHash },
      b: { instant_ms: b.instantMs, content_hash: b.contentHash },
    },
    want,
  );
  expect(swapped).toBe({ a: 'b', b: 'a', equal: 'equal' }[winner]);
}

function runSign(c: VectorCase, signed: Uint8Array): void {
  const seed = hex(str(c, 'signing_seed'));
  const header = signMessage(seed, signed);
  const signature = Buffer.from(header.slice('ed25519='.length), 'base64');
  const publicKey = publicKeyFromSeed(seed);
  expectKeys(
    {
      signed_hex: toHex(signed),
      signature: toHex(signature),
      header,
      public_key: toHex(publicKey),
    },
    expected(c),
  );
  expect(verifyMessageSignature(publicKey, signed, header)).toEqual({ ok: true });
}

function runPushSig(c: VectorCase): void {
  expect(Buffer.from(str(c, 'body'), 'utf8').toString('hex')).toBe(str(c, 'body_hex'));
  runSign(c, pushSignedBytes(hex(str(c, 'body_hex')), nonceOf(c)));
}

function runGetSig(c: VectorCase): void {
  expect(c['method']).toBe('GET');
  runSign(c, getSignedBytes(str(c, 'path'), str(c, 'query'), nonceOf(c)));
}

function runPushVerify(c: VectorCase): void {
  expect(Buffer.from(str(c, 'body'), 'utf8').toString('hex')).toBe(str(c, 'body_hex'));
  const signed = pushSignedBytes(hex(str(c, 'body_hex')), nonceOf(c));
  const result = verifyMessageSignature(
    hex(str(c, 'public_key')),
    signed,
    c['header'] as string | null,
  );
  expectKeys(result.ok ? { ok: true } : { error: result.error.tag }, expected(c));
  expect(Object.keys(expected(c))).toHaveLength(1);
}

function runSubjectToken(c: VectorCase): void {
  const result = subjectToken(str(c, 'id'));
  expectKeys(result.ok ? { token: result.token } : { error: result.error.code }, expected(c));
  if (result.ok) expect(decodeToken(result.token)).toEqual({ ok: true, id: str(c, 'id') });
}

function runPercentEncode(c: VectorCase): void {
  expectKeys({ encoded: percentEncode(str(c, 'input')) }, expected(c));
}

function runTokenDecode(c: VectorCase): void {
  const result = decodeToken(str(c, 'token'));
  expectKeys(result.ok ? { id: result.id } : { error: result.error.code }, expected(c));
}

describe('sync.json', () => {
  it.each(v.cases)('$name', (c: VectorCase) => {
    switch (c.kind ?? '') {
      case 'conflict':
        runConflict(c);
        break;
      case 'push_sig':
        runPushSig(c);
        break;
      case 'get_sig':
        runGetSig(c);
        break;
      case 'push_verify':
        runPushVerify(c);
        break;
      case 'subject_token':
        runSubjectToken(c);
        break;
      case 'percent_encode':
        runPercentEncode(c);
        break;
      case 'token_decode':
        runTokenDecode(c);
        break;
      default:
        throw new Error(`unknown kind ${String(c.kind)}`);
    }
    v.ran(c.name);
  });
});
