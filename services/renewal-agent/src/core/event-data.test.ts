import fc from 'fast-check';
import {
  CredentialRenewalFailedDataSchema,
  CredentialRenewedDataSchema,
  ErrorCode,
  publicKeyFromSeed,
  type Claims,
} from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { classifyIssuerFailure, reasonTag, renewalFailedData, renewedData } from './event-data.js';

const NOW = 1_900_000_000;
const CLAIMS: Claims = {
  cred_version: 1,
  issuer_id: 'root',
  not_after: NOW + 3600,
  not_before: NOW - 30,
  subject_agent_id: 'region/nyc/node-1',
  subject_pubkey: publicKeyFromSeed(new Uint8Array(32).fill(2)),
  trust_domain: 'fleet.test',
};

describe('renewedData', () => {
  it('is the reference audit payload plus the ids, and satisfies the catalog', () => {
    const data = renewedData({
      claims: CLAIMS,
      credentialId: 'a'.repeat(64),
      renewedAtMs: NOW * 1000,
      previousCredentialId: 'b'.repeat(64),
      keyRotated: true,
    });
    expect(data).toEqual({
      subject: 'region/nyc/node-1',
      issuer_id: 'root',
      trust_domain: 'fleet.test',
      not_before: NOW - 30,
      not_after: NOW + 3600,
      renewed_at: '2030-03-17T17:46:40.000Z',
      credential_id: 'a'.repeat(64),
      previous_credential_id: 'b'.repeat(64),
      key_rotated: true,
    });
    expect(CredentialRenewedDataSchema.safeParse(data).success).toBe(true);
  });

  it('leaves out what does not apply', () => {
    const data = renewedData({
      claims: CLAIMS,
      credentialId: 'a'.repeat(64),
      renewedAtMs: NOW * 1000,
      keyRotated: false,
    });
    expect(data).not.toHaveProperty('previous_credential_id');
    expect(data).not.toHaveProperty('key_rotated');
    expect(CredentialRenewedDataSchema.safeParse(data).success).toBe(true);
  });
});

describe('renewalFailedData', () => {
  it('satisfies the catalog, with the detail bounded', () => {
    const data = renewalFailedData({
      reason: 'unavailable',
      detail: 'd'.repeat(2000),
      attempt: 3,
      retryAtMs: NOW * 1000 + 1500,
      held: { credentialId: 'a'.repeat(64), notAfter: NOW + 10 },
    });
    expect(data).toMatchObject({
      reason: 'unavailable',
      attempt: 3,
      retry_at: '2030-03-17T17:46:41.500Z',
      credential_id: 'a'.repeat(64),
      not_after: NOW + 10,
    });
    expect((data['detail'] as string).length).toBe(512);
    expect(CredentialRenewalFailedDataSchema.safeParse(data).success).toBe(true);
    expect(renewalFailedData({ reason: 'x', attempt: 0 })).toEqual({ reason: 'x', attempt: 1 });
  });
});

describe('reasonTag', () => {
  it.each([
    { code: 'UNAVAILABLE', reason: undefined, want: 'unavailable' },
    { code: 'UNAUTHENTICATED', reason: 'credential_expired', want: 'credential_expired' },
    { code: 'FORBIDDEN', reason: 'Not A Tag!', want: 'forbidden' },
    { code: '???', reason: undefined, want: 'unknown' },
  ])('$code / $reason → $want', ({ code, reason, want }) => {
    expect(reasonTag(code, reason)).toBe(want);
  });

  it('always yields a snake_case tag', () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.string(), { nil: undefined }), (code, reason) => {
        expect(reasonTag(code, reason)).toMatch(/^[a-z][a-z0-9_]{0,63}$/);
      }),
    );
  });
});

describe('classifyIssuerFailure', () => {
  it.each([
    { code: ErrorCode.UNAVAILABLE, reason: undefined, want: { result: 'error', reattest: false } },
    { code: ErrorCode.INTERNAL, reason: undefined, want: { result: 'error', reattest: false } },
    { code: ErrorCode.RATE_LIMITED, reason: undefined, want: { result: 'error', reattest: false } },
    {
      code: ErrorCode.UNAUTHENTICATED,
      reason: 'credential_expired',
      want: { result: 'refused', reattest: true },
    },
    {
      code: ErrorCode.UNAUTHENTICATED,
      reason: 'chain_name_mismatch',
      want: { result: 'refused', reattest: true },
    },
    {
      code: ErrorCode.UNAUTHENTICATED,
      reason: 'renew_pop_bad_signature',
      want: { result: 'refused', reattest: false },
    },
    {
      code: ErrorCode.FORBIDDEN,
      reason: 'node_revoked',
      want: { result: 'refused', reattest: false },
    },
    { code: ErrorCode.CONFLICT, reason: undefined, want: { result: 'refused', reattest: false } },
  ])('$code $reason', ({ code, reason, want }) => {
    expect(classifyIssuerFailure(code, reason)).toEqual(want);
  });
});
