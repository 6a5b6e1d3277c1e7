import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideEnroll, decideRevoke, type EnrollInput } from './enroll-decision.js';
import type { Registration } from './registration.js';

const NOW = 1_900_000_000_000;

function registration(over: Partial<Registration> = {}): Registration {
  return {
    nodeId: 'node-1',
    status: 'enrolled',
    region: 'nyc',
    attestor: 'join-token',
    generation: 4,
    credTtlS: 600,
    lastCredentialId: 'a'.repeat(64),
    prevCredentialId: 'b'.repeat(64),
    lastNotAfter: 99,
    lastReply: '{}',
    lastPresentedAtMs: 3,
    ...over,
  };
}

const input = (over: Partial<EnrollInput> = {}): EnrollInput => ({
  nodeId: 'node-1',
  region: undefined,
  ttlS: undefined,
  registration: undefined,
  nowMs: NOW,
  tokenTtlMs: 3_600_000,
  ...over,
});

describe('decideEnroll', () => {
  it('refuses svc/ identities', () => {
    expect(decideEnroll(input({ nodeId: 'svc/auditor/a' }))).toMatchObject({
      kind: 'deny',
      code: 'BAD_REQUEST',
      reason: 'service_namespace_reserved',
    });
  });

  it('refuses to turn a service registration into a node', () => {
    expect(
      decideEnroll(input({ registration: registration({ attestor: 'service' }) })),
    ).toMatchObject({ code: 'FORBIDDEN', reason: 'attestor_mismatch' });
  });

  it('creates a registration with generation 1', () => {
    expect(decideEnroll(input({ region: 'sfo', ttlS: 120 }))).toEqual({
      kind: 'enroll',
      mode: 'created',
      tokenExpiresAtMs: NOW + 3_600_000,
      registration: {
        nodeId: 'node-1',
        status: 'enrolled',
        region: 'sfo',
        attestor: 'join-token',
        generation: 1,
        credTtlS: 120,
        lastCredentialId: null,
        prevCredentialId: null,
        lastNotAfter: null,
        lastReply: null,
        lastPresentedAtMs: null,
      },
    });
    expect(decideEnroll(input())).toMatchObject({ registration: { region: null, credTtlS: null } });
  });

  it('refreshes an enrolled node, keeping its lineage and unspecified fields', () => {
    const reg = registration();
    const d = decideEnroll(input({ registration: reg }));
    expect(d).toEqual({
      kind: 'enroll',
      mode: 'refreshed',
      tokenExpiresAtMs: NOW + 3_600_000,
      registration: { ...reg, generation: 5 },
    });
    expect(decideEnroll(input({ registration: reg, region: 'sfo', ttlS: 30 }))).toMatchObject({
      registration: { region: 'sfo', credTtlS: 30 },
    });
  });

  it('re-enables a revoked node and forgets its lineage', () => {
    const d = decideEnroll(input({ registration: registration({ status: 'revoked' }) }));
    expect(d).toMatchObject({
      kind: 'enroll',
      mode: 'reenabled',
      registration: {
        status: 'enrolled',
        generation: 5,
        region: 'nyc',
        credTtlS: 600,
        lastCredentialId: null,
        prevCredentialId: null,
        lastNotAfter: null,
        lastReply: null,
        lastPresentedAtMs: null,
      },
    });
  });

  it('property: the generation always grows and the token expires after now', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.constantFrom('enrolled' as const, 'revoked' as const),
        fc.integer({ min: 1, max: 1e9 }),
        (generation, status, ttl) => {
          const d = decideEnroll(
            input({ registration: registration({ generation, status }), tokenTtlMs: ttl }),
          );
          expect(d.kind).toBe('enroll');
          if (d.kind !== 'enroll') return;
          expect(d.registration.generation).toBe(generation + 1);
          expect(d.registration.status).toBe('enrolled');
          expect(d.tokenExpiresAtMs).toBeGreaterThan(NOW);
        },
      ),
    );
  });
});

describe('decideRevoke', () => {
  it('refuses an unknown node', () => {
    expect(decideRevoke(undefined)).toMatchObject({ code: 'NOT_FOUND', reason: 'node_unknown' });
  });
  it('revokes an enrolled node', () => {
    expect(decideRevoke(registration())).toEqual({ kind: 'revoke', lastNotAfter: 99 });
  });
  it('is idempotent on a revoked node', () => {
    expect(decideRevoke(registration({ status: 'revoked', lastNotAfter: null }))).toEqual({
      kind: 'already_revoked',
      lastNotAfter: null,
    });
  });
});
