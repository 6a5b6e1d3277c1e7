import { describe, expect, it } from 'vitest';
import { renderStatus, formatRemaining } from './status-render.js';
import { isStrictAndConverged, statusJson, type PlaneStatus } from './status-model.js';

const NOW = Date.UTC(2026, 0, 1, 0, 0, 0);
const nowS = NOW / 1000;

const converged: PlaneStatus = {
  nodes: [
    {
      id: 'region/demo/node-1',
      desired: true,
      present: true,
      can_sign: true,
      not_after: nowS + 3_600,
      status_at: '2026-01-01T00:00:00.000Z',
      signature: 'credential_signed',
    },
    {
      id: 'stray',
      desired: false,
      present: false,
      can_sign: false,
      not_after: nowS - 90,
      status_at: '2025-12-31T23:00:00.000Z',
      signature: 'invalid_signature:credential_expired',
    },
  ],
  services: [
    {
      id: 'svc/auditor/a-1',
      present: true,
      can_sign: true,
      not_after: nowS + 1_800,
      signature: 'credential_signed',
      last_error: null,
    },
    {
      id: 'svc/reconciler/r-1',
      present: false,
      can_sign: true,
      not_after: nowS + 60,
      signature: 'credential_signed',
      last_error: 'nats: nats closed',
    },
  ],
  posture: {
    require_sig: true,
    revision: 3,
    decided_at: '2026-01-01T00:00:00.000Z',
    state: 'valid',
  },
  pending_approvals: 2,
  audit: { size: 42, head: 'ab'.repeat(32), at: '2026-01-01T00:00:00.000Z' },
  inventory: { sha256: 'cd'.repeat(32), require_sig: true },
  problems: [],
};

describe('formatRemaining', () => {
  it('formats hours, minutes, seconds and the past', () => {
    expect(formatRemaining(3_725)).toBe('1h02m');
    expect(formatRemaining(245)).toBe('4m05s');
    expect(formatRemaining(12)).toBe('12s');
    expect(formatRemaining(-180)).toBe('expired 3m00s ago');
  });
});

describe('statusJson', () => {
  it('is exactly the documented shape (service instances are not part of it)', () => {
    expect(statusJson(converged)).toEqual({
      nodes: [
        { id: 'region/demo/node-1', present: true, can_sign: true, not_after: nowS + 3_600 },
        { id: 'stray', present: false, can_sign: false, not_after: nowS - 90 },
      ],
      posture: { require_sig: true, revision: 3 },
      pending_approvals: 2,
      audit: { size: 42, head: 'ab'.repeat(32) },
    });
  });
});

describe('isStrictAndConverged', () => {
  it('needs strict posture and every desired node present and able to sign', () => {
    expect(isStrictAndConverged(converged)).toBe(true);
    expect(
      isStrictAndConverged({ ...converged, posture: { ...converged.posture, require_sig: false } }),
    ).toBe(false);
    const [first, second] = converged.nodes;
    expect(
      isStrictAndConverged({ ...converged, nodes: [{ ...first!, can_sign: false }, second!] }),
    ).toBe(false);
    expect(isStrictAndConverged({ ...converged, nodes: [second!] })).toBe(false);
  });
});

describe('renderStatus', () => {
  it('shows nodes with expiry, posture, approvals, audit and where to look', () => {
    const text = renderStatus(converged, {
      nowMs: NOW,
      color: false,
      links: {
        natsUrl: 'nats://127.0.0.1:4222',
        services: [{ name: 'issuer health', url: 'http://127.0.0.1:1/healthz' }],
        logsDir: '/x/logs',
      },
    });
    expect(text).toContain('fleet converged: strict enforcement');
    expect(text).toContain(
      'region/demo/node-1  present  can-sign     expires 2026-01-01T01:00:00Z (1h00m)',
    );
    expect(text).toContain('stray');
    expect(text).toContain('not in inventory, invalid_signature:credential_expired');
    expect(text).toContain('expired 1m30s ago');
    expect(text).toContain('Services (2):');
    expect(text).toContain(
      'svc/auditor/a-1     present  can-sign     expires 2026-01-01T00:30:00Z (30m00s)',
    );
    expect(text).toContain('svc/reconciler/r-1  absent   can-sign     expires');
    expect(text).toContain('(1m00s)  nats: nats closed');
    expect(text).toContain('Posture:   require_sig true, revision 3');
    expect(text).toContain('Approvals: 2 pending');
    expect(text).toContain(`Audit:     size 42, head ${'ab'.repeat(8)}…`);
    expect(text).toContain("nats sub --server nats://127.0.0.1:4222 'fed.evt.>'");
    expect(text).toContain('http://127.0.0.1:1/healthz');
    expect(text).toContain('/x/logs/<service>.log');
    expect(text).not.toContain('\u001b[');
  });

  it('says what is missing on an empty plane', () => {
    const text = renderStatus(
      {
        nodes: [],
        services: [],
        posture: { require_sig: false, revision: null, decided_at: null, state: 'absent' },
        pending_approvals: null,
        audit: { size: null, head: null, at: null },
        inventory: null,
        problems: ['trust bundle: not published yet (issuer down?)'],
      },
      { nowMs: NOW, color: true },
    );
    expect(text).toContain('permissive');
    expect(text).toContain('none observed yet');
    expect(text).not.toContain('Services');
    expect(text).toContain('(absent)');
    expect(text).toContain('Inventory: none applied');
    expect(text).toContain('Approvals: unknown pending');
    expect(text).toContain('Audit:     no checkpoint yet');
    expect(text).toContain('trust bundle: not published yet');
    expect(text).toContain('\u001b[');
  });

  it('has a compact form for the pinned view', () => {
    const text = renderStatus(converged, {
      nowMs: NOW,
      color: false,
      compact: true,
      links: {
        natsUrl: 'nats://127.0.0.1:4222',
        logsDir: '/x/logs',
        services: [{ name: 'a', url: 'http://a' }],
      },
    });
    expect(text).toContain(
      'More: pnpm fedplane status | events tail | audit verify | node status   (NATS nats://127.0.0.1:4222)',
    );
    expect(text).toContain('logs: /x/logs');
    expect(text).toContain('Services:  2 instance(s); check svc/reconciler/r-1');
    expect(text).not.toContain('svc/auditor/a-1');
    const healthy = renderStatus(
      { ...converged, services: converged.services.slice(0, 1) },
      { nowMs: NOW, color: false, compact: true },
    );
    expect(healthy).toContain('Services:  1 instance(s), all present and able to sign');
    expect(text).not.toContain('http://a');
    expect(text.split('\n').length).toBeLessThan(18);
  });
});
