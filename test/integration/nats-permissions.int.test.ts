import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durableName } from '@fedplane/core';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { Empty, createInbox, type NatsConnection } from '@nats-io/nats-core';
import { Svcm, type Service } from '@nats-io/services';
import {
  AUDITOR_CONSUMER,
  BucketName,
  FixedSubject,
  KvKey,
  NatsRole,
  RECONCILER_BUCKET,
  SILENT_LOG,
  SYNC_ACK_INBOX_PREFIX,
  StreamName,
  agentRenewSubject,
  auditorConsumer,
  ensureConsumer,
  ensureKv,
  ensureStreams,
  eventSubject,
  fedBuckets,
  fedStreams,
  natsUsers,
  nodeStatusSubject,
  renderNatsConf,
  renderPasswordsInclude,
  syncConsumer,
  syncPushSubject,
  syncRecordSubject,
  syncStreams,
  type Bus,
  type NatsUser,
} from '@fedplane/messaging';
import { startNatsServer, type NatsServerHandle } from '@fedplane/testkit';
import {
  DEFAULT_CONF_PATH,
  DEFAULT_USERS_PATH,
  DEMO_DEPLOYMENT,
  renderNatsFiles,
} from '../../scripts/gen-nats-conf.js';
import {
  connectAs,
  probePublish,
  probeSubscribe,
  refusedLogin,
} from './nats-permissions-fixtures.js';

const NODE_A = 'test/node-a';
const NODE_B = 'host:b.example';
const SIM = ['sim-0', 'sim-1'];
const users = natsUsers({ nodes: [NODE_A, NODE_B], agentGroups: [{ name: 'sim', nodes: SIM }] });
const passwords = new Map(users.map((u) => [u.key, randomBytes(18).toString('base64url')]));

let dir: string;
let server: NatsServerHandle;
const buses = new Map<string, Bus>();
const services: Service[] = [];

function userOf(role: NatsRole, node?: string): NatsUser {
  const found = users.find(
    (u) => u.role === role && (node === undefined ? u.nodes.length <= 1 : u.nodes.includes(node)),
  );
  if (found === undefined) throw new Error(`no user for ${role} ${node ?? ''}`);
  return found;
}

function bus(role: NatsRole, node?: string): Bus {
  const u = userOf(role, node);
  const found = buses.get(u.user);
  if (found === undefined) throw new Error(`not connected: ${u.user}`);
  return found;
}
const nc = (role: NatsRole, node?: string): NatsConnection => bus(role, node).nc;

/** Serves `subjects` with the issuer's user (echoes `{ok: true}`), like the real endpoints. */
async function serveAsIssuer(subjects: readonly string[]): Promise<void> {
  const service = await new Svcm(nc(NatsRole.issuer)).add({
    name: 'issuer',
    version: '0.0.1',
    queue: 'q',
  });
  services.push(service);
  for (const [i, subject] of subjects.entries()) {
    service.addEndpoint(`e${String(i)}`, {
      subject,
      handler: (_err, msg) => msg.respond(JSON.stringify({ ok: true })),
    });
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-natsperm-'));
  await mkdir(join(dir, 'secrets'));
  await writeFile(join(dir, 'nats.conf'), renderNatsConf(users));
  await writeFile(
    join(dir, 'secrets', 'nats-passwords.conf'),
    renderPasswordsInclude(users, passwords),
  );
  server = await startNatsServer({ configFile: join(dir, 'nats.conf'), useNatsUrl: false });
  for (const u of users) {
    buses.set(u.user, await connectAs(server.url, u.user, passwords.get(u.key) ?? ''));
  }
  await serveAsIssuer([
    FixedSubject.issuerAttest,
    FixedSubject.issuerRenew,
    FixedSubject.issuerBundle,
    FixedSubject.issuerEnroll,
    FixedSubject.issuerRevoke,
    FixedSubject.issuerIntermediate,
    FixedSubject.issuerRotate,
  ]);
}, 30_000);

afterAll(async () => {
  for (const s of services) await s.stop().catch(() => undefined);
  for (const b of buses.values()) await b.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('generated configuration', () => {
  it('deploy/nats.conf and deploy/nats-users.json are current', async () => {
    const files = await renderNatsFiles(DEMO_DEPLOYMENT);
    const root = new URL('../../', import.meta.url);
    expect(await readFile(new URL(DEFAULT_CONF_PATH, root), 'utf8')).toBe(files.conf);
    expect(await readFile(new URL(DEFAULT_USERS_PATH, root), 'utf8')).toBe(files.users);
  });

  it('refuses a wrong password and a connection without credentials', async () => {
    expect(await refusedLogin(server.url, { user: NatsRole.issuer, password: 'not-the-password' }));
    expect(await refusedLogin(server.url, undefined));
  });
});

describe('issuer and service infrastructure', () => {
  it('the issuer ensures every stream and bucket and writes the trust bundle', async () => {
    const b = bus(NatsRole.issuer);
    await ensureStreams(b.jsm, fedStreams(), { log: SILENT_LOG });
    await ensureKv(b.jsm, fedBuckets(), { log: SILENT_LOG });
    const trust = await b.kvm.open(BucketName.trust);
    expect(await trust.put(KvKey.bundle, '{"bundle":1}')).toBeGreaterThan(0);
  });

  it.each([NatsRole.auditor, NatsRole.reconciler, NatsRole.approvals])(
    '%s re-runs the idempotent ensure at start',
    async (role) => {
      const b = bus(role);
      await ensureStreams(b.jsm, fedStreams(), { log: SILENT_LOG });
      await ensureKv(b.jsm, fedBuckets(), { log: SILENT_LOG });
    },
  );

  it('$SRV discovery reaches the issuer service', async () => {
    const found = await new Svcm(nc(NatsRole.admin)).client().ping('issuer');
    const names: string[] = [];
    for await (const info of found) names.push(info.name);
    expect(names).toContain('issuer');
  });
});

describe('admin subjects', () => {
  const adminOnly = [FixedSubject.issuerIntermediate, FixedSubject.issuerRotate];
  const lifecycle = [FixedSubject.issuerEnroll, FixedSubject.issuerRevoke];
  it.each(users.map((u) => [u.user, u] as const))('%s', async (_name, u) => {
    const conn = buses.get(u.user);
    if (conn === undefined) throw new Error('not connected');
    for (const subject of adminOnly) {
      expect([subject, await probePublish(conn.nc, subject)]).toEqual([
        subject,
        u.role === NatsRole.admin ? 'allowed' : 'denied',
      ]);
    }
    const mayLifecycle = u.role === NatsRole.admin || u.role === NatsRole.reconciler;
    for (const subject of lifecycle) {
      expect([subject, await probePublish(conn.nc, subject)]).toEqual([
        subject,
        mayLifecycle ? 'allowed' : 'denied',
      ]);
    }
  });
});

describe('renewal-agent (per node)', () => {
  it('calls attest, renew and bundle', async () => {
    const agent = nc(NatsRole.renewalAgent, NODE_A);
    for (const subject of [
      FixedSubject.issuerAttest,
      FixedSubject.issuerRenew,
      FixedSubject.issuerBundle,
    ]) {
      const reply = await agent.request(subject, Empty, { timeout: 5_000 });
      expect(reply.json()).toEqual({ ok: true });
    }
  });

  it('publishes its own status and events, not another node’s', async () => {
    const b = bus(NatsRole.renewalAgent, NODE_A);
    const ack = await b.js.publish(nodeStatusSubject(NODE_A), '{}');
    expect(ack.stream).toBe(StreamName.status);
    const evt = await b.js.publish(eventSubject('credential.renewed', NODE_A), '{}');
    expect(evt.stream).toBe(StreamName.events);
    expect(await probePublish(b.nc, nodeStatusSubject(NODE_B))).toBe('denied');
    expect(await probePublish(b.nc, eventSubject('credential.renewed', NODE_B))).toBe('denied');
    expect(await probePublish(b.nc, eventSubject('credential.issued', NODE_A))).toBe('denied');
    expect(await probePublish(b.nc, syncRecordSubject(NODE_A))).toBe('denied');
  });

  it('serves only its own fed.agent.<node>.> and the reconciler reaches it', async () => {
    const agent = nc(NatsRole.renewalAgent, NODE_A);
    const sub = agent.subscribe(agentRenewSubject(NODE_A), {
      queue: 'q',
      callback: (_err, msg) => {
        msg.respond('{"renewed":true}');
      },
    });
    await agent.flush();
    const reply = await nc(NatsRole.reconciler).request(agentRenewSubject(NODE_A), Empty, {
      timeout: 5_000,
    });
    expect(reply.json()).toEqual({ renewed: true });
    sub.unsubscribe();
    expect(await probeSubscribe(agent, agentRenewSubject(NODE_B))).toBe('denied');
    expect(await probeSubscribe(agent, 'fed.evt.>')).toBe('denied');
  });

  it('watches the trust bundle but cannot write it', async () => {
    const b = bus(NatsRole.renewalAgent, NODE_A);
    const kv = await b.kvm.open(BucketName.trust);
    expect((await kv.get(KvKey.bundle))?.string()).toBe('{"bundle":1}');
    const watch = await kv.watch({ key: KvKey.bundle });
    for await (const entry of watch) {
      expect(entry.string()).toBe('{"bundle":1}');
      break;
    }
    expect(await probePublish(b.nc, `$KV.${BucketName.trust}.${KvKey.bundle}`)).toBe('denied');
    expect(await probePublish(b.nc, `$JS.API.STREAM.UPDATE.${StreamName.events}`)).toBe('denied');
  });

  it('a simulator group acts for each of its nodes only', async () => {
    const sim = bus(NatsRole.renewalAgent, SIM[0]);
    for (const node of SIM) {
      expect((await sim.js.publish(nodeStatusSubject(node), '{}')).stream).toBe(StreamName.status);
    }
    expect(await probePublish(sim.nc, nodeStatusSubject(NODE_A))).toBe('denied');
    expect(await probePublish(sim.nc, FixedSubject.issuerEnroll)).toBe('denied');
  });
});

describe('sync-gateway (per node)', () => {
  it('replicates as its own origin only and serves its own push', async () => {
    const gw = bus(NatsRole.syncGateway, NODE_A);
    expect((await gw.js.publish(syncRecordSubject(NODE_A), '{}')).stream).toBe(StreamName.sync);
    expect(await probePublish(gw.nc, syncRecordSubject(NODE_B))).toBe('denied');
    expect(await probeSubscribe(gw.nc, syncPushSubject(NODE_A))).toBe('allowed');
    expect(await probeSubscribe(gw.nc, syncPushSubject(NODE_B))).toBe('denied');
  });

  it('consumes through its own durable, not another node’s', async () => {
    const gw = bus(NatsRole.syncGateway, NODE_A);
    await ensureConsumer(gw.jsm, syncConsumer(NODE_A), { log: SILENT_LOG });
    const consumer = await gw.js.consumers.get(StreamName.sync, syncConsumer(NODE_A).name);
    const msg = await consumer.next({ expires: 5_000 });
    expect(msg?.subject).toBe(syncRecordSubject(NODE_A));
    expect(await msg?.ackAck()).toBe(true);
    await expect(ensureConsumer(gw.jsm, syncConsumer(NODE_B), { log: SILENT_LOG })).rejects.toThrow(
      /permission/i,
    );
  });

  it('ensures at start only the two streams it owns, and cannot create or update the others', async () => {
    const gw = bus(NatsRole.syncGateway, NODE_A);
    const reports = await ensureStreams(gw.jsm, syncStreams(), { log: SILENT_LOG });
    expect(reports.map((r) => r.name)).toEqual([StreamName.sync, StreamName.syncDlq]);
    for (const stream of [StreamName.status, StreamName.checkpoints, StreamName.events]) {
      for (const op of ['CREATE', 'UPDATE']) {
        const subject = `$JS.API.STREAM.${op}.${stream}`;
        expect([subject, await probePublish(gw.nc, subject)]).toEqual([subject, 'denied']);
      }
    }
    for (const stream of [StreamName.status, StreamName.checkpoints]) {
      const info = `$JS.API.STREAM.INFO.${stream}`;
      expect([info, await probePublish(gw.nc, info)]).toEqual([info, 'denied']);
    }
  });

  it('reads a peer’s durable ack floor (snapshot join) but cannot pull from it', async () => {
    const gw = bus(NatsRole.syncGateway, NODE_B);
    const peer = syncConsumer(NODE_A).name;
    const info = await gw.jsm.consumers.info(StreamName.sync, peer);
    expect(info.ack_floor.stream_seq).toBeGreaterThan(0);
    const next = `$JS.API.CONSUMER.MSG.NEXT.${StreamName.sync}.${peer}`;
    expect(await probePublish(gw.nc, next)).toBe('denied');
  });

  it('keeps its DLQ-replay durable on FED_EVENTS (approval decisions)', async () => {
    const gw = bus(NatsRole.syncGateway, NODE_A);
    const name = durableName('sync-replay', NODE_A);
    await gw.jsm.consumers.add(StreamName.events, {
      durable_name: name,
      filter_subject: `${eventSubject('approval.decided')}.>`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
    });
    expect((await gw.jsm.consumers.info(StreamName.events, name)).name).toBe(name);
  });

  it('reads a pending action (granted DLQ replay) but cannot request approvals', async () => {
    const approvals = nc(NatsRole.approvals);
    const sub = approvals.subscribe(FixedSubject.approvalsGet, {
      callback: (_err, msg) => {
        msg.respond('{"pending":true}');
      },
    });
    await approvals.flush();
    const gw = nc(NatsRole.syncGateway, NODE_A);
    const reply = await gw.request(FixedSubject.approvalsGet, Empty, { timeout: 5_000 });
    expect(reply.json()).toEqual({ pending: true });
    sub.unsubscribe();
    expect(await probePublish(gw, FixedSubject.approvalsRequest)).toBe('denied');
  });

  it('sends a quorum ack to another gateway’s Fed-Ack-Inbox, and nowhere else', async () => {
    const other = nc(NatsRole.syncGateway, NODE_B);
    const inbox = createInbox(SYNC_ACK_INBOX_PREFIX);
    const got = new Promise<string>((resolve) => {
      other.subscribe(inbox, { max: 1, callback: (_e, m) => resolve(m.string()) });
    });
    await other.flush();
    const gw = nc(NatsRole.syncGateway, NODE_A);
    gw.publish(inbox, 'ack');
    expect(await got).toBe('ack');
    expect(await probePublish(gw, `_INBOX.${randomBytes(8).toString('hex')}`)).toBe('denied');
    const agent = nc(NatsRole.renewalAgent, NODE_A);
    expect(await probePublish(agent, createInbox(SYNC_ACK_INBOX_PREFIX))).toBe('denied');
  });
});

describe('auditor and readers of FED_EVENTS', () => {
  it('the auditor pulls and acks through its durable', async () => {
    const b = bus(NatsRole.auditor);
    await ensureConsumer(b.jsm, auditorConsumer(), { log: SILENT_LOG });
    const consumer = await b.js.consumers.get(StreamName.events, AUDITOR_CONSUMER);
    const msg = await consumer.next({ expires: 5_000 });
    expect(msg?.subject).toMatch(/^fed\.evt\./);
    expect(await msg?.ackAck()).toBe(true);
  });

  it('the auditor publishes checkpoints but no sync records', async () => {
    const b = bus(NatsRole.auditor);
    expect((await b.js.publish(FixedSubject.auditCheckpoint, '{}')).stream).toBe(
      StreamName.checkpoints,
    );
    expect(await probePublish(b.nc, syncRecordSubject(NODE_A))).toBe('denied');
    expect(await probePublish(b.nc, nodeStatusSubject(NODE_A))).toBe('denied');
  });

  it('the reconciler reads events with its own consumer but cannot touch the auditor’s', async () => {
    const b = bus(NatsRole.reconciler);
    const ordered = await b.js.consumers.get(StreamName.events, {
      deliver_policy: DeliverPolicy.All,
    });
    const msg = await ordered.next({ expires: 5_000 });
    expect(msg?.subject).toMatch(/^fed\.evt\./);
    await ordered.delete().catch(() => undefined);
    const next = `$JS.API.CONSUMER.MSG.NEXT.${StreamName.events}.${AUDITOR_CONSUMER}`;
    expect(await probePublish(b.nc, next)).toBe('denied');
    const del = `$JS.API.CONSUMER.DELETE.${StreamName.events}.${AUDITOR_CONSUMER}`;
    expect(await probePublish(b.nc, del)).toBe('denied');
  });
});

describe('reconciler journal', () => {
  it('the reconciler creates, writes and watches its own bucket; nobody else writes it', async () => {
    const b = bus(NatsRole.reconciler);
    const kv = await b.kvm.create(RECONCILER_BUCKET, { history: 1 });
    expect(await kv.put('pass', '{"present_count":1}')).toBeGreaterThan(0);
    const keys: string[] = [];
    for await (const key of await kv.keys()) keys.push(key);
    expect(keys).toEqual(['pass']);
    expect((await kv.get('pass'))?.string()).toBe('{"present_count":1}');
    const watch = await kv.watch({ key: '>' });
    for await (const entry of watch) {
      expect(entry.key).toBe('pass');
      break;
    }
    await kv.delete('pass');
    // reopening an existing bucket asks its info only (no update)
    await b.kvm.create(RECONCILER_BUCKET, { history: 1 });
    const subject = `$KV.${RECONCILER_BUCKET}.pass`;
    for (const role of [NatsRole.issuer, NatsRole.approvals, NatsRole.auditor]) {
      expect([role, await probePublish(nc(role), subject)]).toEqual([role, 'denied']);
    }
    expect(await probePublish(b.nc, `$JS.API.STREAM.UPDATE.KV_${RECONCILER_BUCKET}`)).toBe(
      'denied',
    );
  });
});

describe('reconciler posture and approvals', () => {
  it('only the reconciler writes the posture; approvals serve their subjects', async () => {
    const kv = await bus(NatsRole.reconciler).kvm.open(BucketName.enforcement);
    expect(await kv.put(KvKey.posture, '{}')).toBeGreaterThan(0);
    for (const role of [NatsRole.issuer, NatsRole.approvals, NatsRole.auditor]) {
      const subject = `$KV.${BucketName.enforcement}.${KvKey.posture}`;
      expect([role, await probePublish(nc(role), subject)]).toEqual([role, 'denied']);
    }
    expect(await probeSubscribe(nc(NatsRole.approvals), FixedSubject.approvalsRequest)).toBe(
      'allowed',
    );
    expect(await probeSubscribe(nc(NatsRole.auditor), FixedSubject.approvalsRequest)).toBe(
      'denied',
    );
  });
});
