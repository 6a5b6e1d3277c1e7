import fc from 'fast-check';
import { DEFAULT_RENEWAL_BACKOFF, type RenewalPolicy } from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { planAgentStep, type AgentPlanInput } from './agent-plan.js';

const NOW = 1_900_000_000;
const POLICY: RenewalPolicy = { renewBeforeS: 900, ...DEFAULT_RENEWAL_BACKOFF };
/** A 1 h leaf issued at NOW (not_before back-dated by 30 s). */
const LEAF = { not_before: NOW - 30, not_after: NOW + 3600 };

function input(overrides: Partial<AgentPlanInput>): AgentPlanInput {
  return {
    held: LEAF,
    attempts: { failures: 0 },
    policy: POLICY,
    maxAttestBackoffS: 30,
    nowS: NOW,
    jitter: 0.5,
    renewRequested: false,
    reattest: false,
    ...overrides,
  };
}

describe('planAgentStep', () => {
  it.each([
    {
      name: 'nothing held: attest',
      over: { held: null },
      want: { kind: 'attest', expiring: false },
    },
    {
      name: 'expired: attest (a renewal would be refused)',
      over: { nowS: NOW + 3601 },
      want: { kind: 'attest', expiring: false },
    },
    {
      name: 'fresh: wait for the jittered half-life (0.5 of 3600 s)',
      over: {},
      want: { kind: 'wait', atS: NOW + 1800, expiring: false },
    },
    {
      name: 'at the half-life: renew',
      over: { nowS: NOW + 1800 },
      want: { kind: 'renew', expiring: false },
    },
    {
      name: 'inside the lead window: renew, expiring',
      over: { nowS: NOW + 3000 },
      want: { kind: 'renew', expiring: true },
    },
    {
      name: 'renew now requested while not due: renew',
      over: { renewRequested: true },
      want: { kind: 'renew', expiring: false },
    },
    {
      name: 'the issuer refused the credential itself: attest instead of renew',
      over: { nowS: NOW + 1800, reattest: true },
      want: { kind: 'attest', expiring: false },
    },
    {
      name: 'renew now with reattest: attest',
      over: { renewRequested: true, reattest: true },
      want: { kind: 'attest', expiring: false },
    },
    {
      name: 'a renew_before longer than half the lifetime makes renewal due earlier',
      over: { policy: { ...POLICY, renewBeforeS: 3000 } },
      want: { kind: 'wait', atS: NOW + 600, expiring: false },
    },
  ])('$name', ({ over, want }) => {
    expect(planAgentStep(input(over as Partial<AgentPlanInput>))).toEqual(want);
  });

  it('waits between failed attestations, capped by maxAttestBackoffS', () => {
    const first = planAgentStep(
      input({ held: null, attempts: { failures: 1, lastAttemptAt: NOW }, jitter: 0 }),
    );
    // minBackoff 1 s × (0.5 + 0/2) = 0.5 s, floored at the 1 s minimum delay.
    expect(first).toEqual({ kind: 'wait', atS: NOW + 1, expiring: false });
    const many = planAgentStep(
      input({ held: null, attempts: { failures: 20, lastAttemptAt: NOW }, jitter: 0.99 }),
    );
    expect(many).toEqual({ kind: 'wait', atS: NOW + 30, expiring: false });
    const due = planAgentStep(
      input({ held: null, attempts: { failures: 20, lastAttemptAt: NOW - 30 }, jitter: 0.99 }),
    );
    expect(due.kind).toBe('attest');
  });

  it('a renew-now request skips the attestation backoff', () => {
    const step = planAgentStep(
      input({ held: null, attempts: { failures: 5, lastAttemptAt: NOW }, renewRequested: true }),
    );
    expect(step.kind).toBe('attest');
  });

  it('after failed renewals the retry is capped by a quarter of the time left', () => {
    const nowS = NOW + 3400; // 200 s left
    const step = planAgentStep(
      input({ nowS, attempts: { failures: 10, lastAttemptAt: nowS }, jitter: 0.99 }),
    );
    expect(step).toEqual({ kind: 'wait', atS: nowS + 50, expiring: true });
  });

  it('refuses a non-positive attestation backoff (programmer error)', () => {
    expect(() => planAgentStep(input({ maxAttestBackoffS: 0 }))).toThrow(RangeError);
  });

  it('properties: a wait is in the future; nothing is renewed without a valid credential', () => {
    fc.assert(
      fc.property(
        fc.option(
          fc.record({
            start: fc.integer({ min: -100, max: 100 }),
            ttl: fc.integer({ min: 1, max: 7200 }),
          }),
          { nil: null },
        ),
        fc.record({
          failures: fc.integer({ min: 0, max: 50 }),
          offset: fc.double({ min: -100, max: 8000, noNaN: true }),
          jitter: fc.double({ min: 0, max: 0.999, noNaN: true }),
          renewRequested: fc.boolean(),
          reattest: fc.boolean(),
        }),
        (window, { failures, offset, jitter, renewRequested, reattest }) => {
          const held =
            window === null
              ? null
              : { not_before: NOW + window.start - 30, not_after: NOW + window.start + window.ttl };
          const nowS = NOW + offset;
          const step = planAgentStep(
            input({
              held,
              attempts: failures === 0 ? { failures } : { failures, lastAttemptAt: nowS - 0.5 },
              nowS,
              jitter,
              renewRequested,
              reattest,
            }),
          );
          if (step.kind === 'wait') expect(step.atS).toBeGreaterThan(nowS);
          if (step.kind === 'renew') {
            expect(held).not.toBeNull();
            expect(nowS).toBeLessThanOrEqual(held?.not_after ?? 0);
          }
          if (renewRequested) expect(step.kind).not.toBe('wait');
        },
      ),
    );
  });

  it('property: retries get denser as expiry nears (delay never above a quarter of what is left)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 900 }),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (remaining, failures, jitter) => {
          const nowS = LEAF.not_after - remaining;
          const step = planAgentStep(
            input({ nowS, attempts: { failures, lastAttemptAt: nowS }, jitter }),
          );
          if (step.kind !== 'wait') return;
          expect(step.atS - nowS).toBeLessThanOrEqual(Math.max(1, remaining / 4) + 1e-9);
        },
      ),
    );
  });
});
