import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '@fedplane/core';
import {
  AgentVerb,
  FixedSubject,
  SubjectFilter,
  SyncVerb,
  agentFilter,
  agentRenewSubject,
  agentStatusSubject,
  agentSubject,
  eventAreaFilter,
  eventSubject,
  eventTypeFilters,
  isEventTypeName,
  isServiceNameToken,
  nodeStatusSubject,
  parseAgentSubject,
  parseEventSubject,
  parseNodeStatusSubject,
  parseServiceStatusSubject,
  parseSyncDlqSubject,
  parseSyncRecordSubject,
  parseSyncRequestSubject,
  serviceStatusSubject,
  syncDlqSubject,
  syncPushSubject,
  syncRecordSubject,
  syncRequestSubject,
  syncSinceSubject,
} from './subjects.js';

const NODE = 'region/nyc/node-1';
const DOTTED = 'host:a.b';

/** Catches the AppError a builder throws. */
function refused(build: () => string): AppError {
  try {
    build();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('fixed subjects and filters', () => {
  it('match bus.md exactly (plus fed.issuer.rotate, which identity.md leaves to us)', () => {
    expect(Object.values(FixedSubject).sort()).toEqual(
      [
        'fed.issuer.attest',
        'fed.issuer.renew',
        'fed.issuer.bundle',
        'fed.issuer.enroll',
        'fed.issuer.revoke',
        'fed.issuer.intermediate',
        'fed.issuer.rotate',
        'fed.approvals.request',
        'fed.approvals.get',
        'fed.audit.head',
        'fed.audit.verify',
        'fed.audit.checkpoint',
        'fed.reconciler.plan',
      ].sort(),
    );
    expect(SubjectFilter).toEqual({
      events: 'fed.evt.>',
      status: 'fed.status.>',
      nodeStatus: 'fed.status.node.*',
      serviceStatus: 'fed.status.svc.*.*',
      syncRecords: 'fed.sync.rec.>',
      syncDlq: 'fed.sync.dlq.>',
      auditCheckpoints: 'fed.audit.checkpoint',
    });
  });
});

describe('builders', () => {
  it.each([
    [agentRenewSubject(NODE), 'fed.agent.region/nyc/node-1.renew'],
    [agentStatusSubject(DOTTED), 'fed.agent.host:a%2Eb.status'],
    [agentSubject(NODE, AgentVerb.renew), 'fed.agent.region/nyc/node-1.renew'],
    [agentFilter(NODE), 'fed.agent.region/nyc/node-1.>'],
    [syncPushSubject(NODE), 'fed.sync.region/nyc/node-1.push'],
    [syncSinceSubject(DOTTED), 'fed.sync.host:a%2Eb.since'],
    [syncRequestSubject(NODE, SyncVerb.push), 'fed.sync.region/nyc/node-1.push'],
    [syncRecordSubject(DOTTED), 'fed.sync.rec.host:a%2Eb'],
    [syncDlqSubject(NODE), 'fed.sync.dlq.region/nyc/node-1'],
    [nodeStatusSubject(NODE), 'fed.status.node.region/nyc/node-1'],
    [serviceStatusSubject('issuer', 'svc/issuer/i-1'), 'fed.status.svc.issuer.svc/issuer/i-1'],
    [serviceStatusSubject('sync-gateway', 'a.b'), 'fed.status.svc.sync-gateway.a%2Eb'],
    [eventSubject('credential.issued', NODE), 'fed.evt.credential.issued.region/nyc/node-1'],
    [eventSubject('audit.rejected_event'), 'fed.evt.audit.rejected_event'],
    [eventAreaFilter('credential'), 'fed.evt.credential.>'],
  ])('%s', (got, expected) => {
    expect(got).toBe(expected);
  });

  it('event type filters cover events with and without a subject token', () => {
    expect(eventTypeFilters('node.enrolled')).toEqual([
      'fed.evt.node.enrolled',
      'fed.evt.node.enrolled.*',
    ]);
  });

  it.each([
    ['*', 'bad_character'],
    ['>', 'bad_character'],
    ['a b', 'bad_character'],
    ['', 'empty'],
    ['a..b', 'dot_dot'],
    ['/a', 'leading_slash'],
    ['a\u0000', 'bad_character'],
  ])('an invalid id %j is BAD_REQUEST before any subject exists', (id, reason) => {
    for (const build of [
      () => agentRenewSubject(id),
      () => agentFilter(id),
      () => syncPushSubject(id),
      () => syncRecordSubject(id),
      () => syncDlqSubject(id),
      () => nodeStatusSubject(id),
      () => serviceStatusSubject('issuer', id),
      () => eventSubject('credential.issued', id),
    ]) {
      const err = refused(build);
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.details['reason']).toBe(reason);
    }
  });

  it('refuses bad event types, areas and service names', () => {
    for (const type of [
      'credential',
      'Credential.issued',
      'a.b.c',
      'a.*',
      '',
      `a.${'x'.repeat(70)}`,
    ]) {
      expect(refused(() => eventSubject(type)).details).toMatchObject({
        field: 'type',
        reason: 'invalid_event_type',
      });
    }
    for (const area of ['', '*', 'a.b', 'A', 'x'.repeat(65)]) {
      expect(refused(() => eventAreaFilter(area)).details['reason']).toBe('invalid_event_area');
    }
    for (const service of ['', 'Issuer', 'a.b', '*', 'x'.repeat(33), '-a']) {
      expect(refused(() => serviceStatusSubject(service, 'i-1')).details['reason']).toBe(
        'invalid_service_name',
      );
    }
    expect(isEventTypeName('sync.dlq_added')).toBe(true);
    expect(isServiceNameToken('renewal-agent')).toBe(true);
  });

  it('property: a built token never contains . * > or whitespace', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_\-:@./]{1,40}$/);
    fc.assert(
      fc.property(id, (nodeId) => {
        let subject: string;
        try {
          subject = nodeStatusSubject(nodeId);
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          return;
        }
        const tokens = subject.split('.');
        expect(tokens).toHaveLength(4);
        expect(tokens[3]).not.toMatch(/[.*>\s]/);
      }),
    );
  });
});

describe('parsers', () => {
  it('parse record subjects alike however often and however many (the kept parses)', () => {
    const nodes = Array.from({ length: 2_500 }, (_, i) => `node.${String(i)}/x`);
    for (let round = 0; round < 2; round += 1) {
      for (const node of nodes) {
        expect(parseSyncRecordSubject(syncRecordSubject(node))).toEqual({ ok: true, value: node });
      }
    }
    expect(parseSyncRecordSubject('fed.sync.rec.%2F')).toEqual(
      parseSyncRecordSubject('fed.sync.rec.%2F'),
    );
    expect(parseSyncRecordSubject('fed.sync.rec.%2F').ok).toBe(false);
  });

  it('invert every builder', () => {
    expect(parseNodeStatusSubject(nodeStatusSubject(DOTTED))).toEqual({ ok: true, value: DOTTED });
    expect(parseSyncRecordSubject(syncRecordSubject(NODE))).toEqual({ ok: true, value: NODE });
    expect(parseSyncDlqSubject(syncDlqSubject(DOTTED))).toEqual({ ok: true, value: DOTTED });
    expect(parseServiceStatusSubject(serviceStatusSubject('auditor', 'svc/auditor/a.1'))).toEqual({
      ok: true,
      value: { service: 'auditor', instance: 'svc/auditor/a.1' },
    });
    expect(parseAgentSubject(agentStatusSubject(DOTTED))).toEqual({
      ok: true,
      value: { nodeId: DOTTED, verb: 'status' },
    });
    expect(parseSyncRequestSubject(syncSinceSubject(NODE))).toEqual({
      ok: true,
      value: { nodeId: NODE, verb: 'since' },
    });
    expect(parseEventSubject(eventSubject('credential.issued', DOTTED))).toEqual({
      ok: true,
      value: { type: 'credential.issued', area: 'credential', name: 'issued', subject: DOTTED },
    });
    expect(parseEventSubject('fed.evt.audit.rejected_event')).toEqual({
      ok: true,
      value: { type: 'audit.rejected_event', area: 'audit', name: 'rejected_event' },
    });
  });

  it.each([
    ['fed.status.node', parseNodeStatusSubject],
    ['fed.status.node.a.b', parseNodeStatusSubject],
    ['fed.status.svc.x', parseNodeStatusSubject],
    ['xfed.status.node.a', parseNodeStatusSubject],
    ['fed.sync.rec', parseSyncRecordSubject],
    ['fed.sync.dlq.a.b', parseSyncDlqSubject],
    ['fed.status.svc.issuer', parseServiceStatusSubject],
    ['fed.status.svc.Issuer.i-1', parseServiceStatusSubject],
    ['fed.agent.n.delete', parseAgentSubject],
    ['fed.agent.n', parseAgentSubject],
    ['fed.sync.n.pull', parseSyncRequestSubject],
    ['fed.sync.rec.n', parseSyncRequestSubject],
    ['fed.evt.a', parseEventSubject],
    ['fed.evt.a.b.c.d', parseEventSubject],
    ['fed.xvt.a.b', parseEventSubject],
    ['fed.evt.A.b', parseEventSubject],
    ['', parseEventSubject],
  ] as const)('%j does not match', (subject, parse) => {
    expect(parse(subject)).toEqual({ ok: false, error: { tag: 'not_matching' } });
  });

  it.each([
    ['fed.status.node.a%2eb', parseNodeStatusSubject, 'bad_escape'],
    ['fed.status.node.a%2Db', parseNodeStatusSubject, 'not_canonical'],
    ['fed.sync.rec.%2F', parseSyncRecordSubject, 'leading_slash'],
    ['fed.status.svc.issuer.a%2E%2Eb', parseServiceStatusSubject, 'dot_dot'],
    ['fed.agent.a%ZZ.renew', parseAgentSubject, 'bad_escape'],
    ['fed.sync.a%20b.push', parseSyncRequestSubject, 'bad_character'],
    ['fed.evt.a.b.%2A', parseEventSubject, 'bad_character'],
  ] as const)('%j has a bad token', (subject, parse, reason) => {
    expect(parse(subject)).toEqual({ ok: false, error: { tag: 'bad_token', reason } });
  });

  it('fuzz: parsers never throw', () => {
    const parsers = [
      parseNodeStatusSubject,
      parseSyncRecordSubject,
      parseSyncDlqSubject,
      parseServiceStatusSubject,
      parseAgentSubject,
      parseSyncRequestSubject,
      parseEventSubject,
    ];
    const subject = fc.oneof(
      fc.string(),
      fc
        .array(
          fc.oneof(
            fc.constantFrom(
              'fed',
              'status',
              'node',
              'svc',
              'sync',
              'rec',
              'dlq',
              'agent',
              'evt',
              'renew',
              'push',
              '%2E',
              'a',
            ),
            fc.string(),
          ),
          { maxLength: 6 },
        )
        .map((t) => t.join('.')),
    );
    fc.assert(
      fc.property(subject, (s) => {
        for (const parse of parsers) {
          const got = parse(s);
          expect(typeof got.ok).toBe('boolean');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('property: parse(build(id)) = id for every valid id', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_\-:@./]{1,40}$/);
    fc.assert(
      fc.property(id, (nodeId) => {
        let subject: string;
        try {
          subject = syncRecordSubject(nodeId);
        } catch {
          return;
        }
        expect(parseSyncRecordSubject(subject)).toEqual({ ok: true, value: nodeId });
      }),
    );
  });
});
