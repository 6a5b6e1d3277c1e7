import { NodeStatusSchema, publicKeyFromSeed, type Claims } from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { buildNodeStatus, rfc3339Ms, statusChanged } from './status-body.js';

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
const HELD = { credentialId: 'c'.repeat(64), claims: CLAIMS };

function build(over: Partial<Parameters<typeof buildNodeStatus>[0]> = {}) {
  return buildNodeStatus({
    nodeId: 'region/nyc/node-1',
    held: HELD,
    nowMs: NOW * 1000 + 123,
    agentVersion: '0.1.0',
    lastRenewalAtMs: null,
    ...over,
  });
}

describe('buildNodeStatus', () => {
  it('builds a body that satisfies the core schema', () => {
    const body = build();
    expect(body).toEqual({
      node_id: 'region/nyc/node-1',
      credential_id: HELD.credentialId,
      issuer_id: 'root',
      not_before: NOW - 30,
      not_after: NOW + 3600,
      can_sign: true,
      agent_version: '0.1.0',
      last_renewal_at: null,
      at: rfc3339Ms(NOW * 1000 + 123),
    });
    expect(NodeStatusSchema.safeParse(body).success).toBe(true);
  });

  it('no credential: no status (nothing could sign it)', () => {
    expect(build({ held: null })).toBeNull();
  });

  it.each([
    { name: 'at not_after (inclusive)', nowS: NOW + 3600, want: true },
    { name: 'after not_after', nowS: NOW + 3601, want: false },
    { name: 'before not_before', nowS: NOW - 31, want: false },
    { name: 'at not_before', nowS: NOW - 30, want: true },
  ])('can_sign $name: $want', ({ nowS, want }) => {
    expect(build({ nowMs: nowS * 1000 + 999 })?.can_sign).toBe(want);
  });

  it('carries the last renewal and a bounded last error', () => {
    const body = build({ lastRenewalAtMs: NOW * 1000, lastError: 'x'.repeat(5000) });
    expect(body?.last_renewal_at).toBe('2030-03-17T17:46:40.000Z');
    expect(body?.last_error).toHaveLength(1024);
    expect(NodeStatusSchema.safeParse(body).success).toBe(true);
  });
});

describe('statusChanged', () => {
  it('ignores `at`; notices every other field', () => {
    const a = build();
    const b = build({ nowMs: NOW * 1000 + 5000 });
    expect(statusChanged(a, b)).toBe(false);
    expect(statusChanged(a, build({ lastError: 'unavailable: down' }))).toBe(true);
    expect(statusChanged(a, build({ nowMs: (NOW + 4000) * 1000 }))).toBe(true);
    expect(statusChanged(a, build({ lastRenewalAtMs: 1 }))).toBe(true);
    expect(statusChanged(null, a)).toBe(true);
    expect(statusChanged(null, null)).toBe(false);
  });
});
