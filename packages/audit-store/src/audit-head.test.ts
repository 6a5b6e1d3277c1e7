import { describe, expect, it } from 'vitest';
import { EMPTY_AUDIT_HEAD, auditHeadOf, toChainHead } from './audit-head.js';
import { bigintColumn, nullableBigintColumn } from './queryable.js';

describe('audit heads', () => {
  it('the empty head is size 0 and the genesis hash', () => {
    expect(EMPTY_AUDIT_HEAD).toEqual({ size: 0, head: '0'.repeat(64) });
    expect(toChainHead(EMPTY_AUDIT_HEAD)).toEqual({ seq: 0n, entryHash: new Uint8Array(32) });
  });

  it('round-trips a stored row head', () => {
    const hash = new Uint8Array(32).fill(0xab);
    const head = auditHeadOf(42, hash);
    expect(head).toEqual({ size: 42, head: 'ab'.repeat(32) });
    expect(toChainHead(head)).toEqual({ seq: 42n, entryHash: hash });
  });

  it.each(['', 'ab', 'zz'.repeat(32), 'ab'.repeat(33)])('refuses head %j', (head) => {
    expect(() => toChainHead({ size: 1, head })).toThrow(RangeError);
  });
});

describe('BIGINT columns', () => {
  it.each([
    ['0', 0],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    [17, 17],
  ] as const)('maps %j', (value, expected) => {
    expect(bigintColumn(value)).toBe(expected);
  });

  it('refuses values beyond 2^53 and non-numbers', () => {
    expect(() => bigintColumn('9007199254740993')).toThrow(RangeError);
    expect(() => bigintColumn('x')).toThrow(RangeError);
  });

  it('keeps null', () => {
    expect(nullableBigintColumn(null)).toBeNull();
    expect(nullableBigintColumn('5')).toBe(5);
  });
});
