import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentRenewRequestSchema, AgentStatusRequestSchema, AppError, utf8 } from '@fedplane/core';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { Svcm, type Service, type ServiceIdentity } from '@nats-io/services';
import {
  FedHeader,
  addServiceEndpoints,
  agentStatusSubject,
  defineEndpoint,
  errorFromReply,
  request,
  type ParseSchema,
} from '@fedplane/messaging';
import { connectNats, startNatsServer, type NatsServerHandle } from '@fedplane/testkit';
import { recordingLog } from './messaging-fixtures.js';

let server: NatsServerHandle;
let nc: NatsConnection;
const services: Service[] = [];
const connections: NatsConnection[] = [];
const serviceLog = recordingLog();

/** A hand-written schema: the endpoint API is structural, any `safeParse` fits. */
function shape<T>(name: string, check: (v: unknown) => v is T): ParseSchema<T> {
  return {
    safeParse: (input) =>
      check(input)
        ? { success: true, data: input }
        : {
            success: false,
            error: { issues: [{ path: [], code: 'custom', message: `expected ${name}` }] },
          },
  };
}
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const EchoReply = shape(
  'echo reply',
  (v): v is { hello: string; instance: string } =>
    isRecord(v) && typeof v['hello'] === 'string' && typeof v['instance'] === 'string',
);
const Empty = shape(
  '{}',
  (v): v is Record<string, never> => isRecord(v) && Object.keys(v).length === 0,
);
const Anything = shape('object', isRecord);

async function startEcho(instance: string, counter: Map<string, number>): Promise<Service> {
  const conn = await connectNats(server.url);
  connections.push(conn);
  const service = await addServiceEndpoints(conn, {
    name: 'echo-test',
    version: '1.0.0',
    description: 'integration echo service',
    log: serviceLog.log,
    maxBytes: 1_024,
    endpoints: [
      defineEndpoint({
        subject: 'test.echo',
        schema: AgentRenewRequestSchema,
        handler: (req) => {
          counter.set(instance, (counter.get(instance) ?? 0) + 1);
          return Promise.resolve({ hello: req.reason ?? '', instance });
        },
      }),
      defineEndpoint({
        subject: 'test.conflict',
        schema: AgentStatusRequestSchema,
        handler: () =>
          Promise.reject(
            new AppError('CONFLICT', 'already decided', { details: { reason: 'decided' } }),
          ),
      }),
      defineEndpoint({
        subject: 'test.boom',
        schema: AgentStatusRequestSchema,
        handler: () => Promise.reject(new Error('secret internals')),
      }),
      defineEndpoint({
        subject: agentStatusSubject('host:a.b'),
        name: 'status',
        schema: AgentStatusRequestSchema,
        handler: (_req, ctx) => Promise.resolve({ subject: ctx.subject }),
      }),
    ],
  });
  services.push(service);
  return service;
}

const counts = new Map<string, number>();

beforeAll(async () => {
  server = await startNatsServer({ useNatsUrl: false });
  nc = await connectNats(server.url);
  connections.push(nc);
  await startEcho('a', counts);
  await startEcho('b', counts);
});
afterAll(async () => {
  await Promise.allSettled(services.map((s) => s.stop()));
  await Promise.allSettled(connections.map((c) => c.close()));
  await server.stop();
});

async function raw(subject: string, body: string | Uint8Array): Promise<Msg> {
  return nc.request(subject, typeof body === 'string' ? utf8(body) : body, { timeout: 2_000 });
}

describe('service endpoints', () => {
  it('a valid request gets the typed reply', async () => {
    const reply = await request(nc, 'test.echo', { reason: 'ada' }, { schema: EchoReply });
    expect(reply.hello).toBe('ada');
    expect(['a', 'b']).toContain(reply.instance);
  });

  it('subjects with id tokens work', async () => {
    const reply = await request(nc, agentStatusSubject('host:a.b'), {}, { schema: Anything });
    expect(reply.subject).toBe('fed.agent.host:a%2Eb.status');
  });

  it('bad JSON → BAD_REQUEST with service error headers and body', async () => {
    const msg = await raw('test.echo', '{nope');
    expect(msg.headers?.get(FedHeader.ServiceErrorCode)).toBe('400');
    expect(msg.headers?.get(FedHeader.ServiceError)).toBe('request is not JSON');
    expect(msg.json()).toMatchObject({ error: 'BAD_REQUEST', message: 'request is not JSON' });
  });

  it('schema failure → BAD_REQUEST listing the issues; request() throws it', async () => {
    const msg = await raw('test.echo', '{"reason":5,"extra":1}');
    expect(msg.headers?.get(FedHeader.ServiceErrorCode)).toBe('400');
    const body = msg.json<{ error: string; issues: { path: string }[] }>();
    expect(body.error).toBe('BAD_REQUEST');
    expect(body.issues.map((i) => i.path).sort()).toEqual(['', 'reason']);

    const err = await request(nc, 'test.echo', { reason: 5 }, { schema: EchoReply }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'BAD_REQUEST', details: { issues: [{ path: 'reason' }] } });
  });

  it('an empty body reads as {} and is validated', async () => {
    expect((await raw('test.echo', new Uint8Array())).json()).toMatchObject({ hello: '' });
    const msg = await raw('test.conflict', new Uint8Array());
    expect(msg.json()).toMatchObject({ error: 'CONFLICT' });
    expect((await raw('test.conflict', '[]')).json()).toMatchObject({ error: 'BAD_REQUEST' });
  });

  it('over the size cap → TOO_LARGE (413)', async () => {
    const msg = await raw('test.echo', JSON.stringify({ reason: 'y'.repeat(2_000) }));
    expect(msg.headers?.get(FedHeader.ServiceErrorCode)).toBe('413');
    expect(msg.json()).toMatchObject({ error: 'TOO_LARGE', size: expect.any(Number), max: 1_024 });
  });

  it('handler AppError(CONFLICT) → 409 with its details', async () => {
    const msg = await raw('test.conflict', '{}');
    expect(msg.headers?.get(FedHeader.ServiceErrorCode)).toBe('409');
    expect(msg.headers?.get(FedHeader.ServiceError)).toBe('already decided');
    expect(msg.json()).toEqual({
      error: 'CONFLICT',
      message: 'already decided',
      reason: 'decided',
    });
    expect(errorFromReply(msg)).toMatchObject({ code: 'CONFLICT', details: { reason: 'decided' } });
    await expect(request(nc, 'test.conflict', {}, { schema: Empty })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'already decided',
    });
  });

  it('an unexpected throw → INTERNAL (500), logged once with the request id, no internals leaked', async () => {
    const before = serviceLog.lines.filter((l) => l.msg === 'request failed').length;
    const msg = await raw('test.boom', '{}');
    expect(msg.headers?.get(FedHeader.ServiceErrorCode)).toBe('500');
    const body = msg.json<{ error: string; message: string; request_id: string }>();
    expect(body).toMatchObject({ error: 'INTERNAL', message: 'internal error' });
    expect(JSON.stringify(body)).not.toContain('secret');
    const logged = serviceLog.lines.filter((l) => l.msg === 'request failed');
    expect(logged).toHaveLength(before + 1);
    expect(logged.at(-1)?.obj).toMatchObject({ request_id: body.request_id, subject: 'test.boom' });
  });

  it('$SRV.PING answers for the service name, with both instances', async () => {
    const client = new Svcm(nc).client({ strategy: 'timer', maxWait: 500 });
    const pings: ServiceIdentity[] = [];
    for await (const p of await client.ping('echo-test')) pings.push(p);
    expect(pings).toHaveLength(2);
    expect(pings.every((p) => p.name === 'echo-test' && p.version === '1.0.0')).toBe(true);
    const infos = [];
    for await (const i of await client.info('echo-test')) infos.push(i);
    expect(infos[0]?.endpoints.map((e) => [e.name, e.queue_group])).toContainEqual(['echo', 'q']);
  });

  it('two instances in queue group q split the load', async () => {
    counts.clear();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        request(nc, 'test.echo', { reason: `n${i}` }, { schema: EchoReply }),
      ),
    );
    expect((counts.get('a') ?? 0) + (counts.get('b') ?? 0)).toBe(60);
    expect(counts.get('a')).toBeGreaterThan(0);
    expect(counts.get('b')).toBeGreaterThan(0);
  });

  it('request() to nobody → UNAVAILABLE; a timeout → UNAVAILABLE', async () => {
    await expect(request(nc, 'test.nobody', {}, { schema: Empty })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    const silent = nc.subscribe('test.silent');
    try {
      await expect(
        request(nc, 'test.silent', {}, { schema: AgentStatusRequestSchema, timeoutMs: 200 }),
      ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      silent.unsubscribe();
    }
  });

  it('a reply that fails the reply schema → INTERNAL', async () => {
    await expect(
      request(nc, 'test.echo', { reason: 'x' }, { schema: Empty }),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('stop() drains intake; requests then find nobody', async () => {
    const conn = await connectNats(server.url);
    connections.push(conn);
    const lone = await addServiceEndpoints(conn, {
      name: 'lone',
      version: '0.1.0',
      description: 'stops',
      log: serviceLog.log,
      endpoints: [
        defineEndpoint({
          subject: 'test.lone',
          schema: AgentStatusRequestSchema,
          handler: () => Promise.resolve({ ok: true }),
        }),
      ],
    });
    await expect(request(nc, 'test.lone', {}, { schema: Anything })).resolves.toEqual({ ok: true });
    await lone.stop();
    await expect(request(nc, 'test.lone', {}, { schema: Empty })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  });
});
