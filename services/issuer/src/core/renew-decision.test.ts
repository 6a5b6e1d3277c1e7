import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Registration } from './registration.js';
import { decideRenew } from './renew-decision.js';

const L = 'a'.repeat(64);
const P = 'b'.repeat(64);
const OLD = 'c'.repeat(64);
const REPLY = '{"credential":"v1=AAAA","not_after":5}';

function registration(over: Partial<Registration> = {}): Registration {
  return {
    nodeId: 'node-1',
    status: 'enrolled',
    region: null,
    attestor: 'join-token',
    generation: 7,
    credTtlS: null,
    lastCredentialId: L,
    prevCredentialId: P,
    lastNotAfter: 1234,
    lastReply: REPLY,
    lastPresentedAtMs: null,
    ...over,
  };
}

const renew = (reg: Registration | undefined, presentedId: string) =>
  decideRenew({ registration: reg, presentedId, defaultTtlS: 3600 });

describe('decideRenew', () => {
  it('refuses an unknown node', () => {
    expect(renew(undefined, L)).toMatchObject({
      kind: 'deny',
      code: 'FORBIDDEN',
      reason: 'node_unknown',
    });
  });

  it('refuses a revoked node, even for its latest credential', () => {
    expect(renew(registration({ status: 'revoked' }), L)).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'node_revoked',
    });
  });

  it('renews the latest credential', () => {
    expect(renew(registration({ credTtlS: 90, region: 'nyc' }), L)).toEqual({
      kind: 'issue',
      ttlS: 90,
      region: 'nyc',
      generation: 8,
      previousId: L,
    });
    expect(renew(registration(), L)).toMatchObject({ ttlS: 3600 });
  });

  it('renews the latest even when it was presented before (no issuance followed)', () => {
    expect(renew(registration({ lastPresentedAtMs: 5 }), L)).toMatchObject({ kind: 'issue' });
  });

  it('treats the previous credential, latest never presented, as a lost-reply retry', () => {
    expect(renew(registration(), P)).toEqual({ kind: 'retry', reply: REPLY, latestId: L });
  });

  it('treats the previous credential after the latest was presented as reuse', () => {
    expect(renew(registration({ lastPresentedAtMs: 10 }), P)).toEqual({
      kind: 'reuse',
      presentedId: P,
      latestId: L,
      generation: 8,
      lastNotAfter: 1234,
    });
  });

  it('treats anything older as reuse', () => {
    expect(renew(registration(), OLD)).toMatchObject({
      kind: 'reuse',
      presentedId: OLD,
      latestId: L,
    });
  });

  it('is reuse when the previous matches but no reply was stored', () => {
    expect(renew(registration({ lastReply: null }), P)).toMatchObject({ kind: 'reuse' });
  });

  it('after an attestation (no previous) any other credential is reuse', () => {
    expect(renew(registration({ prevCredentialId: null }), P)).toMatchObject({ kind: 'reuse' });
  });

  it('a re-enabled node (no lineage) refuses old credentials without locking', () => {
    const reg = registration({ lastCredentialId: null, prevCredentialId: null, lastReply: null });
    expect(renew(reg, OLD)).toMatchObject({
      kind: 'deny',
      code: 'FORBIDDEN',
      reason: 'credential_superseded',
    });
  });

  it('property: only the latest renews; only prev-with-unpresented-latest retries', () => {
    const id = fc.constantFrom(L, P, OLD);
    fc.assert(
      fc.property(
        id,
        fc.option(fc.integer({ min: 0 }), { nil: null }),
        (presented, presentedAt) => {
          const d = renew(registration({ lastPresentedAtMs: presentedAt }), presented);
          if (presented === L) expect(d.kind).toBe('issue');
          else if (presented === P && presentedAt === null) expect(d.kind).toBe('retry');
          else expect(d.kind).toBe('reuse');
        },
      ),
    );
  });
});
