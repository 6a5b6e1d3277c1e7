import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideAttest, type AttestInput, type JoinTokenRow } from './attest-decision.js';
import type { Registration } from './registration.js';

const NOW = 1_900_000_000_000;

function registration(over: Partial<Registration> = {}): Registration {
  return {
    nodeId: 'region/nyc/node-1',
    status: 'enrolled',
    region: 'nyc',
    attestor: 'join-token',
    generation: 3,
    credTtlS: null,
    lastCredentialId: null,
    prevCredentialId: null,
    lastNotAfter: null,
    lastReply: null,
    lastPresentedAtMs: null,
    ...over,
  };
}

const token = (over: Partial<JoinTokenRow> = {}): JoinTokenRow => ({
  nodeId: 'region/nyc/node-1',
  expiresAtMs: NOW + 1000,
  usedAtMs: null,
  ...over,
});

function joinInput(
  t: JoinTokenRow | undefined,
  reg: Registration | 'none' = registration(),
): AttestInput {
  return {
    nodeId: 'region/nyc/node-1',
    evidence: { kind: 'join_token', token: t },
    registration: reg === 'none' ? undefined : reg,
    nowMs: NOW,
    defaultTtlS: 3600,
  };
}

describe('decideAttest: join token', () => {
  it.each([
    ['unknown token', joinInput(undefined), 'UNAUTHENTICATED', 'token_invalid'],
    [
      'token of another node',
      joinInput(token({ nodeId: 'other' })),
      'UNAUTHENTICATED',
      'token_wrong_node',
    ],
    ['used token', joinInput(token({ usedAtMs: NOW - 5 })), 'CONFLICT', 'token_used'],
    [
      'expired token (at expiry)',
      joinInput(token({ expiresAtMs: NOW })),
      'UNAUTHENTICATED',
      'token_expired',
    ],
    [
      'expired token (past)',
      joinInput(token({ expiresAtMs: NOW - 1 })),
      'UNAUTHENTICATED',
      'token_expired',
    ],
    ['no registration', joinInput(token(), 'none'), 'FORBIDDEN', 'node_unknown'],
    [
      'revoked node',
      joinInput(token(), registration({ status: 'revoked' })),
      'FORBIDDEN',
      'node_revoked',
    ],
  ])('%s is refused', (_name, input, code, reason) => {
    expect(decideAttest(input)).toMatchObject({ kind: 'deny', code, reason });
  });

  it('checks the node binding before used/expired (a foreign token reveals nothing else)', () => {
    const d = decideAttest(joinInput(token({ nodeId: 'x', usedAtMs: 1, expiresAtMs: 0 })));
    expect(d).toMatchObject({ reason: 'token_wrong_node' });
  });

  it('issues with the registration TTL, consumes the token and bumps the generation', () => {
    expect(decideAttest(joinInput(token(), registration({ credTtlS: 120 })))).toEqual({
      kind: 'issue',
      consumeToken: true,
      createRegistration: false,
      ttlS: 120,
      region: 'nyc',
      generation: 4,
    });
  });

  it('uses the default TTL when the registration names none', () => {
    expect(decideAttest(joinInput(token()))).toMatchObject({ kind: 'issue', ttlS: 3600 });
  });

  it('issues just before expiry', () => {
    expect(decideAttest(joinInput(token({ expiresAtMs: NOW + 1 })))).toMatchObject({
      kind: 'issue',
    });
  });
});

describe('decideAttest: service', () => {
  const svc = (secretValid: boolean, reg: Registration | undefined): AttestInput => ({
    nodeId: 'svc/auditor/a-1',
    evidence: { kind: 'service', secretValid },
    registration: reg,
    nowMs: NOW,
    defaultTtlS: 600,
  });
  const svcReg = registration({ nodeId: 'svc/auditor/a-1', attestor: 'service', region: null });

  it('refuses a bad secret whatever the registration', () => {
    for (const reg of [undefined, svcReg, registration({ status: 'revoked' })]) {
      expect(decideAttest(svc(false, reg))).toMatchObject({
        code: 'UNAUTHENTICATED',
        reason: 'service_attestation_failed',
      });
    }
  });

  it('creates the registration on first attestation', () => {
    expect(decideAttest(svc(true, undefined))).toEqual({
      kind: 'issue',
      consumeToken: false,
      createRegistration: true,
      ttlS: 600,
      region: null,
      generation: 1,
    });
  });

  it('re-issues to a known service identity', () => {
    expect(decideAttest(svc(true, svcReg))).toMatchObject({
      kind: 'issue',
      createRegistration: false,
      generation: 4,
    });
  });

  it('refuses a revoked service identity', () => {
    expect(decideAttest(svc(true, { ...svcReg, status: 'revoked' }))).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'node_revoked',
    });
  });

  it('refuses an identity registered by join token', () => {
    expect(decideAttest(svc(true, registration()))).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'attestor_mismatch',
    });
  });
});

describe('decideAttest: properties', () => {
  it('an issue always has generation = previous + 1 and a positive TTL', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.option(fc.integer({ min: 1, max: 1e6 }), { nil: null }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.boolean(),
        (generation, credTtlS, defaultTtlS, service) => {
          const reg = registration({
            generation,
            credTtlS,
            attestor: service ? 'service' : 'join-token',
          });
          const d = decideAttest({
            nodeId: reg.nodeId,
            evidence: service
              ? { kind: 'service', secretValid: true }
              : { kind: 'join_token', token: token() },
            registration: reg,
            nowMs: NOW,
            defaultTtlS,
          });
          expect(d.kind).toBe('issue');
          if (d.kind !== 'issue') return;
          expect(d.generation).toBe(generation + 1);
          expect(d.ttlS).toBe(credTtlS ?? defaultTtlS);
        },
      ),
    );
  });
});
