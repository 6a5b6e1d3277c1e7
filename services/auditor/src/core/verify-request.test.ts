import { MAX_LISTED_SIGNATURE_FAILURES } from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { checkpointToCheck, verifyReply } from './verify-request.js';

const HEAD = 'ab'.repeat(32);
const latest = { size: 100, head: HEAD };

describe('checkpointToCheck', () => {
  it('uses the requested checkpoint first', () => {
    const checkpoint = {
      log: 'fedplane-audit' as const,
      size: 5,
      head: 'cd'.repeat(32),
      at: '2030-01-01T00:00:00.000Z',
    };
    expect(checkpointToCheck({ checkpoint }, latest)).toEqual({ size: 5, head: 'cd'.repeat(32) });
  });
  it('else the latest when its row is walked', () => {
    expect(checkpointToCheck({}, latest)).toBe(latest);
    expect(checkpointToCheck({ from: 100 }, latest)).toBe(latest);
    expect(checkpointToCheck({ from: 101 }, latest)).toBeNull();
    expect(checkpointToCheck({}, null)).toBeNull();
  });
});

describe('verifyReply', () => {
  it('lists at most the first MAX_LISTED_SIGNATURE_FAILURES failures', () => {
    const failures = Array.from({ length: MAX_LISTED_SIGNATURE_FAILURES + 5 }, (_, i) => i + 1);
    const reply = verifyReply({
      rows_checked: 9,
      first_break: null,
      signature_failures: failures,
      checkpoint: 'ok',
    });
    expect(reply.signature_failures).toHaveLength(MAX_LISTED_SIGNATURE_FAILURES);
    expect(reply.signature_failures[0]).toBe(1);
    expect(reply).toMatchObject({ rows_checked: 9, first_break: null, checkpoint: 'ok' });
  });
});
