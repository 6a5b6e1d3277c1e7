import { describe, expect, it } from 'vitest';
import {
  natsUsers,
  passwordVariable,
  renderNatsConf,
  renderPasswordsInclude,
  userManifest,
} from './permissions-conf.js';
import { NODE_ROLES, NatsRole, eventPublishSubjects, rolePermissions } from './permissions.js';
import { FixedSubject, nodeStatusSubject, syncRecordSubject } from './subjects.js';

const ROLES = Object.values(NatsRole);
const forRole = (role: NatsRole) =>
  rolePermissions(role, NODE_ROLES.includes(role) ? ['region/nyc/node-1'] : []);
const SUBJECT = /^(?:[^.\s*>]+|\*)(?:\.(?:[^.\s*>]+|\*))*(?:\.>)?$|^>$/;

describe('rolePermissions', () => {
  it.each(ROLES)('%s: every subject is a well-formed NATS subject or wildcard', (role) => {
    const p = forRole(role);
    const all = [...p.publish.allow, ...p.publish.deny, ...p.subscribe.allow];
    expect(all.filter((s) => !SUBJECT.test(s))).toEqual([]);
    expect(new Set(p.publish.allow).size).toBe(p.publish.allow.length);
  });

  it('only the admin may publish intermediate and rotate; admin and reconciler enroll and revoke', () => {
    const may = (subject: string) =>
      ROLES.filter((r) => forRole(r).publish.allow.some((s) => s === subject || s === '>'));
    expect(may(FixedSubject.issuerIntermediate)).toEqual([NatsRole.admin]);
    expect(may(FixedSubject.issuerRotate)).toEqual([NatsRole.admin]);
    expect(may(FixedSubject.issuerEnroll).sort()).toEqual([NatsRole.admin, NatsRole.reconciler]);
    expect(may(FixedSubject.issuerRevoke).sort()).toEqual([NatsRole.admin, NatsRole.reconciler]);
  });

  it('node roles name only their own node', () => {
    const agent = rolePermissions(NatsRole.renewalAgent, ['host:a.b']);
    expect(agent.publish.allow).toContain(nodeStatusSubject('host:a.b'));
    expect(agent.publish.allow).not.toContain('fed.status.node.*');
    expect(agent.subscribe.allow).toContain('fed.agent.host:a%2Eb.>');
    const gw = rolePermissions(NatsRole.syncGateway, ['n1']);
    expect(gw.publish.allow).toContain(syncRecordSubject('n1'));
    expect(gw.publish.allow.filter((s) => s.startsWith('fed.sync.rec.'))).toEqual([
      syncRecordSubject('n1'),
    ]);
  });

  it('node roles need a node; an invalid node id is refused', () => {
    expect(() => rolePermissions(NatsRole.renewalAgent)).toThrow(RangeError);
    expect(() => rolePermissions(NatsRole.syncGateway, ['bad id'])).toThrow(/node_id/);
  });

  it('readers of FED_EVENTS other than the auditor are denied its durable', () => {
    for (const role of [NatsRole.reconciler, NatsRole.approvals, NatsRole.syncGateway]) {
      expect(forRole(role).publish.deny).toContain('$JS.API.CONSUMER.MSG.NEXT.FED_EVENTS.auditor');
    }
    expect(forRole(NatsRole.auditor).publish.deny).toEqual([]);
  });

  it('event permissions follow the catalog emitters', () => {
    expect(eventPublishSubjects('issuer')).toContain('fed.evt.credential.issued.*');
    expect(eventPublishSubjects('issuer')).not.toContain('fed.evt.credential.renewed.*');
    expect(eventPublishSubjects('renewal-agent', ['n1'])).toContain(
      'fed.evt.credential.renewed.n1',
    );
  });
});

describe('natsUsers and the rendered configuration', () => {
  const users = natsUsers({
    nodes: ['region/nyc/node-1'],
    agentGroups: [{ name: 'sim', nodes: ['sim-0'] }],
  });

  it('names users, keys and password variables predictably', () => {
    expect(users.map((u) => u.user)).toEqual([
      'admin',
      'issuer',
      'reconciler',
      'approvals',
      'auditor',
      'renewal-agent:region/nyc/node-1',
      'sync-gateway:region/nyc/node-1',
      'renewal-agent:group:sim',
    ]);
    expect(users[5]?.key).toMatch(/^renewal-agent-[0-9a-f]{16}$/);
    expect(passwordVariable('renewal-agent-group-sim')).toBe(
      'FEDPLANE_NATS_PASSWORD_RENEWAL_AGENT_GROUP_SIM',
    );
    expect(userManifest(users)[1]).toEqual({
      user: 'issuer',
      role: 'issuer',
      nodes: [],
      key: 'issuer',
      password_var: 'FEDPLANE_NATS_PASSWORD_ISSUER',
    });
  });

  it('refuses duplicate nodes and bad group names', () => {
    expect(() => natsUsers({ nodes: ['a', 'a'] })).toThrow(/twice/);
    expect(() => natsUsers({ nodes: ['a'], agentGroups: [{ name: 'a', nodes: ['a'] }] })).toThrow(
      /twice/,
    );
    expect(() => natsUsers({ nodes: [], agentGroups: [{ name: 'Bad!', nodes: ['x'] }] })).toThrow(
      RangeError,
    );
  });

  it('renders passwords as variables only, and the include refuses unusable passwords', () => {
    const conf = renderNatsConf(users, { header: ['hello'] });
    expect(conf.startsWith('# hello\ninclude "secrets/nats-passwords.conf"\n')).toBe(true);
    expect(conf).toContain('password: $FEDPLANE_NATS_PASSWORD_ISSUER');
    expect(conf).toContain('jetstream: enabled');
    expect(renderNatsConf(users, { storeDir: '/data' })).toContain('store_dir: "/data"');
    const good = new Map(users.map((u) => [u.key, 'a'.repeat(24)]));
    expect(renderPasswordsInclude(users, good)).toContain(
      `FEDPLANE_NATS_PASSWORD_ADMIN: "${'a'.repeat(24)}"`,
    );
    const bad = new Map(good).set('issuer', 'short');
    expect(() => renderPasswordsInclude(users, bad)).toThrow(/issuer/);
    const quote = new Map(good).set('issuer', `${'a'.repeat(20)}"x`);
    expect(() => renderPasswordsInclude(users, quote)).toThrow(RangeError);
  });
});
