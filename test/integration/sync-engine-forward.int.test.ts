import { createServer, type Server } from 'node:http';
import { parseEd25519Header, publicKeyFromSeed, verifyEd25519 } from '@fedplane/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  makeNode,
  memory,
  pushBody,
  readDlq,
  startSyncWorld,
  startTestGateway,
  type SyncWorld,
  type TestGateway,
  type TestNode,
} from './sync-fixtures.js';

const sender = { peerId: 'client', verified: true };

type Received = { peer: string; verified: boolean; ids: string[] };

describe('sync engine: forward to the node daemon (SYNC_FORWARD_URL)', () => {
  let world: SyncWorld;
  let a: TestGateway;
  let b: TestGateway;
  let nodeB: TestNode;
  let server: Server;
  let mode: 'ok' | 'down' = 'ok';
  const received: Received[] = [];

  beforeAll(async () => {
    world = await startSyncWorld();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (mode === 'down') {
          res.writeHead(503).end('{"error":"unavailable"}');
          return;
        }
        const body = Buffer.concat(chunks);
        const nonce = String(req.headers['x-memory-nonce'] ?? '');
        const sig = parseEd25519Header(String(req.headers['x-memory-sig'] ?? ''));
        const signed = Buffer.concat([body, Buffer.from([0]), Buffer.from(nonce, 'utf8')]);
        const verified = sig.ok && verifyEd25519(publicKeyFromSeed(nodeB.seed), signed, sig.value);
        const parsed = JSON.parse(body.toString('utf8')) as { memories: { id: string }[] };
        const ids = parsed.memories.map((m) => m.id);
        if (ids.some((id) => id.startsWith('reject-'))) {
          res.writeHead(400).end('{"error":"validation"}');
          return;
        }
        received.push({ peer: String(req.headers['x-peer-id']), verified, ids });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"applied":1}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    a = await startTestGateway(world, makeNode(world, 'node-a'));
    nodeB = makeNode(world, 'node-b');
    b = await startTestGateway(world, nodeB, { forwardUrl: `http://127.0.0.1:${String(port)}` });
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await world?.close();
  });

  const forwarded = (id: string) => received.some((r) => r.ids.includes(id));

  it('forwards records applied from the stream, signed by the node', async () => {
    await a.engine.push(
      pushBody('client', [memory('f-1', '2026-01-01T00:00:00Z')]) as never,
      sender,
    );
    expect(await eventually(() => Promise.resolve(forwarded('f-1')))).toBe(true);
    const hit = received.find((r) => r.ids.includes('f-1'));
    expect(hit).toMatchObject({ peer: 'node-b', verified: true });
  });

  it('pauses while the target is down and delivers when it is back, nothing dead-lettered', async () => {
    mode = 'down';
    await a.engine.push(
      pushBody('client', [memory('f-2', '2026-01-01T00:00:00Z')]) as never,
      sender,
    );
    expect(await eventually(() => Promise.resolve(!b.receiver.healthy()), 10_000)).toBe(true);
    expect(forwarded('f-2')).toBe(false);
    mode = 'ok';
    expect(await eventually(() => Promise.resolve(forwarded('f-2')), 15_000)).toBe(true);
    expect(await eventually(() => Promise.resolve(b.receiver.healthy()))).toBe(true);
    expect(await readDlq(world, 'node-b')).toEqual([]);
  }, 30_000);

  it('a record the target refuses (4xx) goes to the DLQ as forward_refused; the rest is delivered', async () => {
    await a.engine.push(
      pushBody('client', [
        memory('reject-1', '2026-01-01T00:00:00Z'),
        memory('f-3', '2026-01-01T00:00:00Z'),
      ]) as never,
      sender,
    );
    expect(
      await eventually(
        async () => (await readDlq(world, 'node-b')).length === 1 && forwarded('f-3'),
      ),
    ).toBe(true);
    const [entry] = await readDlq(world, 'node-b');
    expect(entry).toMatchObject({
      class: 'forward_refused',
      record_id: 'reject-1',
      origin: 'node-a',
    });
    expect(forwarded('reject-1')).toBe(false);
  });
});
