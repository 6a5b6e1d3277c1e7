import { describe, expect, it } from 'vitest';
import { isDataRefusal, isTransientConflict, sqlState } from './store-error.js';

describe('store errors', () => {
  it('reads a SQLSTATE only from a 5-character code', () => {
    expect(sqlState({ code: '22P05' })).toBe('22P05');
    expect(sqlState({ code: 'ECONNREFUSED' })).toBeUndefined();
    expect(sqlState(new Error('x'))).toBeUndefined();
    expect(sqlState(null)).toBeUndefined();
    expect(sqlState({ code: 22 })).toBeUndefined();
  });

  it('treats data exceptions and integrity violations as refusals', () => {
    for (const code of ['22P05', '22021', '22003', '23502', '23514']) {
      expect(isDataRefusal({ code })).toBe(true);
    }
  });

  it('treats connection, shutdown and resource errors as an outage', () => {
    for (const code of ['08006', '57P01', '53300', '40001', 'XX000']) {
      expect(isDataRefusal({ code })).toBe(false);
    }
    expect(isDataRefusal(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(
      false,
    );
    expect(isDataRefusal(new Error('Connection terminated unexpectedly'))).toBe(false);
  });

  it('treats serialization failures and deadlocks as transient conflicts, nothing else', () => {
    expect(isTransientConflict({ code: '40001' })).toBe(true);
    expect(isTransientConflict({ code: '40P01' })).toBe(true);
    for (const code of ['22P05', '23505', '08006', '57P01']) {
      expect(isTransientConflict({ code })).toBe(false);
    }
    expect(isTransientConflict(new Error('x'))).toBe(false);
  });
});
