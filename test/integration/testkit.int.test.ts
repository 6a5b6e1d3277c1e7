import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_DATABASE_URL,
  NatsStartError,
  connectNats,
  createTestDatabase,
  jetstream,
  jetstreamManager,
  startNatsCluster,
  startNatsServer,
  trackedChildCount,
  withPool,
  type NatsClusterHandle,
  type NatsConnection,
  type NatsServerHandle,
  type TestDatabase,
} from '../../packages/testkit/src/index.js';
import { probeNatsInfo } from '../../packages/testkit/src/nats-probe.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADMIN_URL = process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
const text = new TextEncoder();
const untext = new TextDecoder();

// Everything started here is stopped in afterAll even when a test fails midway.
const servers: NatsServerHandle[] = [];
const clusters: NatsClusterHandle[] = [];
const connections: NatsConnection[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.allSettled(connections.map((nc) => nc.close()));
  await Promise.allSettled([...servers, ...clusters].map((s) => s.stop()));
  await Promise.allSettled(databases.map((d) => d.drop()));
});

async function spawned(): Promise<NatsServerHandle> {
  const server = await startNatsServer({ useNatsUrl: false });
  servers.push(server);
  return server;
}

async function client(urls: string | readonly string[]): Promise<NatsConnection> {
  const nc = await connectNats(urls, { maxReconnectAttempts: -1 });
  connections.push(nc);
  return nc;
}

/** Retries `op` every 250 ms until it succeeds or `ms` pass (JetStream elections take a moment). */
async function eventually<T>(op: () => Promise<T>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const pool = withPool(ADMIN_URL, 1);
  try {
    const r = await pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return r.rowCount === 1;
  } finally {
    await pool.end();
  }
}

describe('nats-server binary lookup', () => {
  it('fails with one line naming NATS_BIN and what to install when NATS_BIN is wrong', async () => {
    const env = { NATS_BIN: '/nonexistent/nats-server', PATH: process.env['PATH'] };
    const err = await startNatsServer({ env }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(
      /^nats-server not found: NATS_BIN=\/nonexistent\/nats-server is not an executable file; /,
    );
    expect(message).toContain('apt-get install nats-server');
    expect(message).toContain('NATS_URL');
    await expect(startNatsCluster(3, { env })).rejects.toThrow(/^nats-server not found: NATS_BIN=/);
  });

  it('uses NATS_URL when set (no-op stop, no restart) and rejects an unreachable one', async () => {
    const own = await spawned();
    const external = await startNatsServer({ env: { NATS_URL: own.url } });
    expect(external).toMatchObject({
      url: own.url,
      port: own.port,
      external: true,
      storeDir: undefined,
    });
    await external.stop();
    expect(own.running).toBe(true);
    await expect(external.restart()).rejects.toThrow(/useNatsUrl: false/);
    await expect(
      startNatsServer({ env: { NATS_URL: 'nats://127.0.0.1:1' }, readyTimeoutMs: 500 }),
    ).rejects.toThrow(/^NATS_URL=nats:\/\/127\.0\.0\.1:1 does not answer/);
  });
});

describe('startNatsServer', () => {
  it('serves pub/sub and JetStream, and restart() and kill()+restart() keep stream data', async () => {
    const server = await spawned();
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    expect(server.port).not.toBe(4222);
    const nc = await client(server.url);
    const sub = nc.subscribe('tk.ping', { max: 1 });
    nc.publish('tk.ping', text.encode('hello'));
    for await (const m of sub) expect(m.string()).toBe('hello');

    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'TK', subjects: ['tk.js.>'] });
    const js = jetstream(nc);
    for (const word of ['one', 'two', 'three']) await js.publish('tk.js.a', text.encode(word));
    expect(untext.decode((await jsm.streams.getMessage('TK', { seq: 2 }))?.data)).toBe('two');

    await server.restart();
    expect(server.running).toBe(true);
    const jsmRestarted = await jetstreamManager(await client(server.url));
    expect((await jsmRestarted.streams.info('TK')).state.messages).toBe(3);

    await server.kill('SIGKILL');
    expect(server.running).toBe(false);
    await server.restart();
    const jsm2 = await jetstreamManager(await client(server.url));
    expect((await jsm2.streams.info('TK')).state.messages).toBe(3);
    expect(untext.decode((await jsm2.streams.getMessage('TK', { seq: 3 }))?.data)).toBe('three');
  });

  it('gives concurrent servers distinct ports and stores, and stop() removes the store', async () => {
    const before = trackedChildCount();
    const [a, b] = await Promise.all([spawned(), spawned()]);
    expect(a.port).not.toBe(b.port);
    expect(a.storeDir).not.toBe(b.storeDir);
    expect(a.name).not.toBe(b.name);
    expect(trackedChildCount()).toBe(before + 2);
    await Promise.all([a, b].map(async (s) => (await client(s.url)).flush()));
    await a.stop();
    await a.stop();
    expect(a.running).toBe(false);
    expect(existsSync(a.storeDir ?? '')).toBe(false);
    expect(await probeNatsInfo('127.0.0.1', a.port, 500)).toBeUndefined();
    expect(b.running).toBe(true);
    expect(existsSync(b.storeDir ?? '')).toBe(true);
    await a.restart(); // after stop(): same port, fresh (re-created) store
    expect(a.running).toBe(true);
    expect(existsSync(a.storeDir ?? '')).toBe(true);
    expect((await probeNatsInfo('127.0.0.1', a.port, 1000))?.serverName).toBe(a.name);
    await Promise.all([a.stop(), b.stop()]);
    expect(trackedChildCount()).toBe(before);
  });

  it('reports a taken port as NatsStartError with portInUse and leaves no process behind', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const before = trackedChildCount();
    try {
      const err = await startNatsServer({ useNatsUrl: false, port }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NatsStartError);
      expect((err as NatsStartError).portInUse).toBe(true);
      expect((err as Error).message).toMatch(
        new RegExp(`^nats-server on port ${port} exited .*address already in use`),
      );
      expect(trackedChildCount()).toBe(before);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('reports a binary that never answers (after the deadline) or exits at once, with its stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-fakebin-'));
    const before = trackedChildCount();
    try {
      const silent = join(dir, 'silent-server');
      writeFileSync(silent, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
      await expect(
        startNatsServer({ env: { NATS_BIN: silent }, readyTimeoutMs: 300 }),
      ).rejects.toThrow(/^nats-server on port \d+ not ready within 300 ms: no output$/);
      const garbage = join(dir, 'garbage-server');
      writeFileSync(garbage, Buffer.from([0, 1, 2, 3, 4, 5, 6, 7]), { mode: 0o755 });
      await expect(startNatsServer({ env: { NATS_BIN: garbage } })).rejects.toThrow(
        /^nats-server on port \d+ exited \(code 127, signal null\) before it was ready: .*garbage-server/,
      );
      expect(trackedChildCount()).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['exit', 'SIGTERM'] as const)(
    'kills its servers when the test process ends (%s)',
    async (how) => {
      const dir = mkdtempSync(join(tmpdir(), 'fp-orphan-'));
      const script = join(dir, 'orphan.mts');
      const index = join(ROOT, 'packages/testkit/src/index.ts');
      writeFileSync(
        script,
        `import { startNatsServer } from ${JSON.stringify(index)};\n` +
          `const s = await startNatsServer({ useNatsUrl: false });\n` +
          `console.log(JSON.stringify({ port: s.port, storeDir: s.storeDir }));\n` +
          (how === 'exit' ? 'process.exit(0);\n' : 'setInterval(() => undefined, 1000);\n'),
      );
      const child = spawn(
        join(ROOT, 'node_modules/.bin/tsx'),
        ['--conditions=@fedplane/source', script],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      try {
        const exited = new Promise((r) => child.once('close', r));
        const line = await Promise.race([
          new Promise<string>((resolve) =>
            child.stdout.once('data', (d: Buffer) => resolve(d.toString())),
          ),
          exited.then(() =>
            Promise.reject(new Error('the orphan script exited without starting a server')),
          ),
        ]);
        const { port, storeDir } = JSON.parse(line) as { port: number; storeDir: string };
        if (how === 'SIGTERM') child.kill('SIGTERM');
        await exited;
        await eventually(
          async () => expect(await probeNatsInfo('127.0.0.1', port, 300)).toBeUndefined(),
          5_000,
        );
        expect(existsSync(storeDir)).toBe(false);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('startNatsCluster', () => {
  it('comes up with 3 members and a replicas-3 stream survives stopping one', async () => {
    const cluster = await startNatsCluster(3);
    clusters.push(cluster);
    expect(cluster.urls).toHaveLength(3);
    expect(new Set(cluster.urls).size).toBe(3);
    expect(new Set(cluster.servers.map((s) => s.name)).size).toBe(3);
    expect(new Set(cluster.servers.map((s) => s.storeDir)).size).toBe(3);

    const nc = await client(cluster.urls);
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.add({ name: 'TKR3', subjects: ['tk.r3.>'], num_replicas: 3 });
    expect(info.config.num_replicas).toBe(3);
    const js = jetstream(nc);
    for (let i = 1; i <= 5; i += 1) await js.publish('tk.r3.x', text.encode(`m${i}`));

    await cluster.servers[0]!.stop();
    expect(cluster.servers[0]!.running).toBe(false);
    await eventually(() => js.publish('tk.r3.x', text.encode('m6')));
    const state = await eventually(async () => {
      const s = await jsm.streams.info('TKR3');
      if (s.state.messages !== 6) throw new Error(`messages=${s.state.messages}`);
      return s;
    });
    expect(state.state.last_seq).toBe(6);
    expect(
      untext.decode((await eventually(() => jsm.streams.getMessage('TKR3', { seq: 1 })))?.data),
    ).toBe('m1');
    await cluster.stop();
    expect(cluster.servers.every((s) => !s.running)).toBe(true);
  });
});

describe('createTestDatabase', () => {
  it('creates a fresh usable database and drop() removes it even with connections open', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    expect(db.name).toMatch(/^fp_test_[0-9a-f]{12}$/);
    expect(new URL(db.url).pathname).toBe(`/${db.name}`);
    expect(await databaseExists(db.name)).toBe(true);
    const pool = withPool(db.url);
    await pool.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
    await pool.query("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    const rows = await pool.query<{ v: string }>('SELECT v FROM t ORDER BY id');
    expect(rows.rows.map((r) => r.v)).toEqual(['a', 'b']);
    expect((await pool.query<{ d: string }>('SELECT current_database() AS d')).rows[0]?.d).toBe(
      db.name,
    );

    pool.on('error', () => undefined); // drop() terminates the pool's idle connection
    await db.drop();
    await db.drop();
    await pool.end().catch(() => undefined);
    expect(await databaseExists(db.name)).toBe(false);
  });

  it('gives concurrent suites distinct databases', async () => {
    const [a, b] = await Promise.all([
      createTestDatabase(),
      createTestDatabase({ prefix: 'fp_other' }),
    ]);
    databases.push(a, b);
    expect(a.name).not.toBe(b.name);
    expect(b.name).toMatch(/^fp_other_/);
    await Promise.all([a.drop(), b.drop()]);
    expect(await databaseExists(a.name)).toBe(false);
  });

  it('fails with one clear line when Postgres is unreachable, without leaking the password', async () => {
    const err = await createTestDatabase({
      env: { DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/postgres' },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    expect(message).not.toContain('secret');
    expect(message).toMatch(
      /^Postgres not reachable at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/postgres \(ECONNREFUSED\); /,
    );
    expect(message).toContain('apt-get install postgresql');
  });

  it('fails with one clear line when the server refuses the role', async () => {
    const url = new URL(ADMIN_URL);
    url.username = 'fp_no_such_role';
    url.password = '';
    await expect(createTestDatabase({ url: url.toString() })).rejects.toThrow(
      /^Postgres at .*fp_no_such_role.* refused the connection \(28000: .*\); set DATABASE_URL to a role that may CREATE DATABASE$/,
    );
  });
});
