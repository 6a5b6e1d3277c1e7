import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AttestLevel,
  GENESIS_PREV_HASH,
  bodyHash,
  chainRows,
  entryHash,
  entryPreimage,
  isEncodableEntry,
  toSeq,
} from './audit-chain.js';
import { utf8 } from './bytes.js';

const h = (fill: number) => new Uint8Array(32).fill(fill);

describe('entryPreimage / entryHash', () => {
  it('lays out domain, prev, seq, body hash, level and signature', () => {
    const fields = {
      prevHash: h(1),
      seq: 0x0102030405n,
      bodyHash: h(2),
      attestLevel: 'unsigned',
      signature: Uint8Array.of(9, 8),
    };
    const expected = Buffer.concat([
      Buffer.from('fedplane/audit/v1\0'),
      Buffer.from(h(1)),
      Buffer.from([0, 0, 0, 1, 2, 3, 4, 5]),
      Buffer.from(h(2)),
      Buffer.from([8]),
      Buffer.from('unsigned'),
      Buffer.from([2, 9, 8]),
    ]);
    expect(Buffer.from(entryPreimage(fields))).toEqual(expected);
    expect(Buffer.from(entryHash(fields))).toEqual(createHash('sha256').update(expected).digest());
  });

  it('hashes an absent signature as length 0', () => {
    const base = { prevHash: h(0), seq: 1, bodyHash: h(3), attestLevel: 'unsigned' };
    const preimage = entryPreimage({ ...base, signature: null });
    expect(preimage[preimage.length - 1]).toBe(0);
    expect(entryPreimage({ ...base, signature: new Uint8Array() })).toEqual(preimage);
  });

  it('takes number and bigint seqs alike', () => {
    const base = { prevHash: h(0), bodyHash: h(3), attestLevel: 'unsigned', signature: null };
    expect(entryHash({ ...base, seq: 7 })).toEqual(entryHash({ ...base, seq: 7n }));
  });

  it.each([
    { prevHash: h(0).slice(1) },
    { bodyHash: new Uint8Array(33) },
    { seq: -1 },
    { seq: 1.5 },
    { seq: 1n << 64n },
    { seq: -1n },
    { attestLevel: 'x'.repeat(256) },
    { signature: new Uint8Array(256) },
  ])('refuses fields it cannot encode (#%#)', (patch) => {
    const fields = {
      prevHash: h(0),
      seq: 1,
      bodyHash: h(1),
      attestLevel: 'unsigned',
      signature: null,
      ...patch,
    };
    expect(isEncodableEntry(fields)).toBe(false);
    expect(() => entryPreimage(fields)).toThrow(RangeError);
  });

  it('accepts the largest seq and 255-byte fields', () => {
    const fields = {
      prevHash: h(0),
      seq: (1n << 64n) - 1n,
      bodyHash: h(1),
      attestLevel: 'x'.repeat(255),
      signature: new Uint8Array(255),
    };
    expect(isEncodableEntry(fields)).toBe(true);
    expect(entryPreimage(fields).slice(50, 58)).toEqual(new Uint8Array(8).fill(0xff));
  });
});

describe('toSeq', () => {
  it.each([
    [0, 0n],
    [5, 5n],
    [5n, 5n],
    [Number.MAX_SAFE_INTEGER + 1, null],
    [Number.NaN, null],
    [-1, null],
  ])('%s → %s', (input, out) => {
    expect(toSeq(input)).toBe(out);
  });
});

describe('chainRows', () => {
  const events = ['a', 'b', 'c'].map((text) => ({
    body: utf8(text),
    attestLevel: AttestLevel.unsigned,
    signature: null,
  }));

  it('starts at seq 1 with the genesis prev hash and links each row to the previous', () => {
    const rows = chainRows(events);
    expect(rows.map((r) => r.seq)).toEqual([1n, 2n, 3n]);
    expect(rows[0]?.prevHash).toEqual(GENESIS_PREV_HASH);
    expect(GENESIS_PREV_HASH).toEqual(new Uint8Array(32));
    rows.forEach((row, i) => {
      expect(row.bodyHash).toEqual(bodyHash(events[i]!.body));
      expect(row.entryHash).toEqual(entryHash(row));
      if (i > 0) expect(row.prevHash).toEqual(rows[i - 1]!.entryHash);
    });
  });

  it('continues after a head exactly as one long batch', () => {
    const all = chainRows(events);
    const first = chainRows(events.slice(0, 1));
    const rest = chainRows(events.slice(1), { seq: 1n, entryHash: first[0]!.entryHash });
    expect([...first, ...rest]).toEqual(all);
  });

  it('returns nothing for no events', () => {
    expect(chainRows([])).toEqual([]);
  });

  it('body hash is SHA-256 of the exact bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (body) => {
        expect(Buffer.from(bodyHash(body))).toEqual(createHash('sha256').update(body).digest());
      }),
    );
  });
});
