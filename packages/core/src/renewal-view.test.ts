import fc from 'fast-check';
import { ISSUER_CLOCK_SKEW_S } from './credential-issue.js';
import { DEFAULT_RENEWAL_BACKOFF, planRenewal } from './renewal-plan.js';
import { describe, expect, it } from 'vitest';
import { renewalView } from './renewal-view.js';

const NOW = 1_900_000_000;

describe('renewalView', () => {
  it.each([
    {
      name: '1 h leaf: the lifetime starts at not_before + 30',
      claims: { not_before: NOW - 30, not_after: NOW + 3600 },
      want: { notBefore: NOW, notAfter: NOW + 3600 },
    },
    {
      name: 'a window shorter than the skew is capped at not_after',
      claims: { not_before: NOW - 30, not_after: NOW - 10 },
      want: { notBefore: NOW - 10, notAfter: NOW - 10 },
    },
    {
      name: 'a credential not back-dated still gets the skew added',
      claims: { not_before: NOW, not_after: NOW + 100 },
      want: { notBefore: NOW + ISSUER_CLOCK_SKEW_S, notAfter: NOW + 100 },
    },
  ])('$name', ({ claims, want }) => {
    expect(renewalView(claims, { failures: 0 })).toEqual({ ...want, failures: 0 });
  });

  it('copies the attempt record', () => {
    const claims = { not_before: NOW - 30, not_after: NOW + 60 };
    expect(renewalView(claims, { failures: 3, lastAttemptAt: NOW + 1.5 })).toEqual({
      notBefore: NOW,
      notAfter: NOW + 60,
      failures: 3,
      lastAttemptAt: NOW + 1.5,
    });
    expect(renewalView(claims, { failures: 0 })).not.toHaveProperty('lastAttemptAt');
  });

  it('a freshly issued short-lived credential is never due at once (no hot loop)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 7200 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (ttl, jitter) => {
          const claims = { not_before: NOW - ISSUER_CLOCK_SKEW_S, not_after: NOW + ttl };
          const policy = { renewBeforeS: Math.floor(ttl / 4), ...DEFAULT_RENEWAL_BACKOFF };
          const decision = planRenewal(renewalView(claims, { failures: 0 }), policy, NOW, jitter);
          expect(decision.kind).toBe('wait');
        },
      ),
    );
  });

  it('measured from the raw not_before, the same credential would be due at once', () => {
    const claims = { not_before: NOW - ISSUER_CLOCK_SKEW_S, not_after: NOW + 20 };
    const raw = { notBefore: claims.not_before, notAfter: claims.not_after, failures: 0 };
    const policy = { renewBeforeS: 0, ...DEFAULT_RENEWAL_BACKOFF };
    expect(planRenewal(raw, policy, NOW, 0.5).kind).toBe('renew_now');
    expect(planRenewal(renewalView(claims, { failures: 0 }), policy, NOW, 0.5).kind).toBe('wait');
  });
});
