import { describe, expect, it } from 'vitest';
import { credentialGauges } from './gauges.js';

const NOW = 1_900_000_000;

describe('credentialGauges', () => {
  it('reference §7 item 12: a credential with not_before + 1234 = now reports max age 1234', () => {
    expect(credentialGauges([{ notBefore: NOW - 1234, lastRenewS: NOW }], NOW)).toEqual({
      maxAgeS: 1234,
      lagS: 0,
    });
  });

  it('nothing held: no values; a fresh hold without a renewal time reports lag 0', () => {
    expect(credentialGauges([{ notBefore: undefined, lastRenewS: undefined }], NOW)).toEqual({
      maxAgeS: undefined,
      lagS: undefined,
    });
    expect(credentialGauges([{ notBefore: NOW - 5, lastRenewS: undefined }], NOW).lagS).toBe(0);
  });

  it('is the maximum over agents, never negative', () => {
    const gauges = credentialGauges(
      [
        { notBefore: NOW - 10, lastRenewS: NOW - 3 },
        { notBefore: NOW + 50, lastRenewS: NOW + 5 },
        { notBefore: NOW - 400, lastRenewS: NOW - 90 },
        { notBefore: undefined, lastRenewS: NOW - 9999 },
      ],
      NOW,
    );
    expect(gauges).toEqual({ maxAgeS: 400, lagS: 90 });
  });
});
