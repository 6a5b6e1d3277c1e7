import type { HolderStatus } from './held-credential.js';
import type { ReadinessReport } from './readiness.js';
import { NodeStatusSchema } from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { instanceStatusBody } from './instance-status.js';

const NOW_MS = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const ID = 'svc/auditor/a-1';
const HELD: HolderStatus = {
  agent_id: ID,
  state: 'valid',
  credential_id: 'ab'.repeat(32),
  issuer_id: 'issuer/root-1',
  not_before: 1_700_000_000,
  not_after: 1_700_003_600,
  failures: 0,
};
const READY: ReadinessReport = { ready: true, draining: false, failing: [] };

function body(holder: HolderStatus, readiness: ReadinessReport = READY) {
  return instanceStatusBody({ holder, readiness, version: '0.1.0', nowMs: NOW_MS });
}

describe('instanceStatusBody', () => {
  it('is undefined while no credential was ever held', () => {
    expect(body({ agent_id: ID, state: 'none', failures: 2, last_error: 'x' })).toBeUndefined();
  });

  it('reports the held credential, schema-valid, stamped now', () => {
    const b = body(HELD);
    expect(b).toEqual({
      node_id: ID,
      credential_id: HELD.credential_id,
      issuer_id: 'issuer/root-1',
      not_before: 1_700_000_000,
      not_after: 1_700_003_600,
      can_sign: true,
      agent_version: '0.1.0',
      last_renewal_at: null,
      at: '2026-01-02T03:04:05.678Z',
    });
    expect(NodeStatusSchema.safeParse(b).success).toBe(true);
  });

  it('converts the last renewal (unix seconds) to RFC 3339 with milliseconds', () => {
    expect(body({ ...HELD, last_renewal_at: 1_700_001_800 })?.last_renewal_at).toBe(
      '2023-11-14T22:43:20.000Z',
    );
  });

  it('cannot sign with an expired credential', () => {
    expect(body({ ...HELD, state: 'expired' })?.can_sign).toBe(false);
  });

  it('names the failing readiness checks first', () => {
    const b = body(
      { ...HELD, failures: 1, last_error: 'issuer timeout' },
      {
        ready: false,
        draining: false,
        failing: [
          { name: 'nats', reason: 'nats closed' },
          { name: 'append', reason: 'not leading' },
        ],
      },
    );
    expect(b?.last_error).toBe('nats: nats closed; append: not leading');
  });

  it("reports the holder's last error only while it still fails", () => {
    expect(body({ ...HELD, failures: 1, last_error: 'issuer timeout' })?.last_error).toBe(
      'issuer timeout',
    );
    expect(body({ ...HELD, failures: 0, last_error: 'old' })).not.toHaveProperty('last_error');
  });

  it('bounds last_error so the body stays schema-valid', () => {
    const long = { name: 'x', reason: 'y'.repeat(5_000) };
    const b = body(HELD, { ready: false, draining: false, failing: [long] });
    expect(b?.last_error).toHaveLength(512);
    expect(NodeStatusSchema.safeParse(b).success).toBe(true);
  });
});
