import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliIo } from '@fedplane/cli';
import { BundleReplySchema, fromBase64 } from '@fedplane/core';
import { connectBus, type Bus } from '@fedplane/messaging';
import { silentLog } from '@fedplane/runtime';
import {
  createTestDatabase,
  startNatsServer,
  type NatsServerHandle,
  type TestDatabase,
} from '@fedplane/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN, attest, newNode, tempKeyDir } from './issuer-fixtures.js';

/**
 * The issuer as its own OS process (`services/issuer/src/main.ts`, as `pnpm --filter
 * @fedplane/issuer start` runs it), driven by the `fedplane` commands: enroll, revoke, bundle
 * show/export, issuer rotate; health endpoints; invalid configuration; graceful SIGTERM.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const MAIN = join(ROOT, 'services/issuer/src/main.ts');
const CLI = join(ROOT, 'packages/cli/src/main.ts');

let server: NatsServerHandle;
let db: TestDatabase;
let child: ChildProcess;
let client: Bus;
let keyDir: string;
const lines: string[] = [];
let exited: Promise<number | null>;

function issuerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    NATS_URL: server.url,
    DATABASE_URL: db.url,
    ISSUER_TRUST_DOMAIN: DOMAIN,
    ISSUER_KEY_DIR: keyDir,
    ISSUER_REFRESH_HINT_S: '1',
    HEALTH_PORT: '0',
    HEALTH_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    INSTANCE_ID: 'proc-1',
    ...extra,
  };
}

async function waitForLine(match: (o: Record<string, unknown>) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of lines) {
      try {
        const o = JSON.parse(line) as Record<string, unknown>;
        if (match(o)) return o;
      } catch {
        // not a JSON line
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`log line not seen; got:\n${lines.join('\n')}`);
}

async function cli(argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => {
      out += t.endsWith('\n') ? t : `${t}\n`;
    },
    err: (t) => {
      err += t.endsWith('\n') ? t : `${t}\n`;
    },
    readText: (path) => readFileSync(path, 'utf8'),
    nowS: () => Math.floor(Date.now() / 1000),
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

beforeAll(async () => {
  server = await startNatsServer();
  db = await createTestDatabase();
  keyDir = tempKeyDir();
  process.env['NATS_URL'] = server.url; // read by the in-process `fedplane` commands
  child = spawn(TSX, ['--conditions=@fedplane/source', MAIN], { cwd: ROOT, env: issuerEnv() });
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  await waitForLine((o) => o['msg'] === 'issuer started');
  client = await connectBus({ servers: server.url, name: 'process-client', log: silentLog });
});

afterAll(async () => {
  await client?.close();
  if (child.exitCode === null) child.kill('SIGKILL');
  await db?.drop();
  await server?.stop();
});

describe('issuer as a process, driven by the fedplane commands', () => {
  it('says which Ed25519 backend it signs with: libsodium, where the addon loads', async () => {
    const configured = await waitForLine((o) => o['msg'] === 'issuer configured');
    expect(configured['ed25519']).toBe('libsodium');
  });

  it('serves health endpoints', async () => {
    const listening = await waitForLine((o) => o['msg'] === 'health server listening');
    const port = Number(listening['port']);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('fedplane enroll prints the join token once; the node attests with it; credential verify passes against the exported bundle', async () => {
    const enrolled = await cli(['enroll', 'node-proc-1', '--ttl', '15m']);
    expect(enrolled.code).toBe(0);
    const token = /join token \(shown once[^:]*\): (\S+)/.exec(enrolled.out)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(enrolled.out.split(token!).length).toBe(2); // printed exactly once

    const node = newNode('node-proc-1');
    expect((await attest(client.nc, node, token!)).ok).toBe(true);

    const shown = await cli(['bundle', 'show', '--json']);
    expect(shown.code).toBe(0);
    const bundle = BundleReplySchema.parse(JSON.parse(shown.out));
    expect(bundle).toMatchObject({ trust_domain: DOMAIN, sequence: 1 });
    expect((await cli(['bundle', 'show'])).out).toContain(`trust domain ${DOMAIN}, sequence 1`);

    const dir = join(mkdtempSync(join(tmpdir(), 'fedplane-bundle-')), 'bundle');
    const exported = await cli(['bundle', 'export', '--dir', dir]);
    expect(exported.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['root.pub', 'trust-bundle.json']);
    const pub = readFileSync(join(dir, 'root.pub'));
    expect(pub.byteLength).toBe(32);
    expect(new Uint8Array(pub)).toEqual(fromBase64(bundle.keys[0]!.public_key));

    const verified = await cli([
      'credential',
      'verify',
      node.held!.credential,
      '--bundle',
      join(dir, 'trust-bundle.json'),
    ]);
    expect(verified.code).toBe(0);
    expect(verified.out).toContain('credential verifies');
    expect(verified.out).toContain('subject      node-proc-1');
  });

  it('the real fedplane binary enrolls too (--json)', () => {
    const r = spawnSync(
      TSX,
      ['--conditions=@fedplane/source', CLI, 'enroll', 'node-proc-bin', '--region', 'eu', '--json'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { PATH: process.env['PATH'], NATS_URL: server.url },
        timeout: 30_000,
      },
    );
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ ok: true, node_id: 'node-proc-bin' });
    expect(out['join_token']).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('fedplane revoke, and its failures', async () => {
    expect((await cli(['enroll', 'node-proc-2'])).code).toBe(0);
    const revoked = await cli(['revoke', 'node-proc-2', '--reason', 'retired']);
    expect(revoked.code).toBe(0);
    expect(revoked.out).toContain('revoked node-proc-2');
    const unknown = await cli(['revoke', 'nobody', '--reason', 'x', '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.out)).toMatchObject({
      ok: false,
      error: 'NOT_FOUND',
      reason: 'node_unknown',
    });
    expect((await cli(['revoke', 'node-proc-2'])).code).toBe(2); // --reason missing
    expect((await cli(['enroll', '../bad'])).code).toBe(2);
    expect((await cli(['enroll', 'node-x', '--ttl', 'soon'])).code).toBe(2);
  });

  it('fedplane issuer rotate publishes a next key, refuses a second one, and the process activates it', async () => {
    const rotated = await cli(['issuer', 'rotate', '--json']);
    expect(rotated.code).toBe(0);
    const reply = JSON.parse(rotated.out) as Record<string, unknown>;
    expect(reply).toMatchObject({ ok: true, issuer_id: 'root-2', bundle_sequence: 2 });
    const again = await cli(['issuer', 'rotate', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out)).toMatchObject({
      error: 'CONFLICT',
      reason: 'trust_bundle_next_exists',
    });
    // refresh_hint_s = 1: activation 3 s after publication.
    let states: string[] = [];
    for (let i = 0; i < 80; i += 1) {
      const shown = BundleReplySchema.parse(
        JSON.parse((await cli(['bundle', 'show', '--json'])).out),
      );
      states = shown.keys.map((k) => `${k.issuer_id}:${k.state}`);
      if (states.includes('root-2:active')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(states).toEqual(['root:retired', 'root-2:active']);
    expect(readFileSync(join(keyDir, 'root-2.priv')).byteLength).toBe(32);
  });

  it('never logs key material', () => {
    const logs = lines.join('\n');
    for (const name of ['root.priv', 'root-2.priv']) {
      const seed = readFileSync(join(keyDir, name));
      expect(logs).not.toContain(seed.toString('base64'));
      expect(logs).not.toContain(seed.toString('hex'));
    }
  });

  it('stops gracefully on SIGTERM', async () => {
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise((r) => setTimeout(() => r('timeout'), 12_000)),
    ]);
    expect(code).toBe(0);
    await waitForLine((o) => o['msg'] === 'issuer stopped', 1_000);
  });
});

describe('issuer configuration', () => {
  it('a failed start-up step (NATS refuses the connection) is one JSON log line and exit 1', () => {
    const r = spawnSync(TSX, ['--conditions=@fedplane/source', MAIN], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        PATH: process.env['PATH'],
        NATS_URL: 'nats://127.0.0.1:1',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
        ISSUER_TRUST_DOMAIN: DOMAIN,
        ISSUER_KEY_DIR: tempKeyDir(),
        HEALTH_PORT: '0',
      },
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    const failures = r.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; err?: { message?: string } })
      .filter((line) => line.msg === 'startup failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]?.err?.message).toEqual(expect.any(String));
    // Logged once by the guard, not dumped again by Node.
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('an invalid configuration exits 1 listing every problem before connecting', () => {
    const r = spawnSync(TSX, ['--conditions=@fedplane/source', MAIN], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        PATH: process.env['PATH'],
        NATS_URL: 'nats://127.0.0.1:1',
        ISSUER_LEAF_TTL: 'forever',
        ISSUER_REFRESH_HINT_S: '0',
      },
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    for (const name of [
      'ISSUER_TRUST_DOMAIN',
      'DATABASE_URL',
      'ISSUER_LEAF_TTL',
      'ISSUER_REFRESH_HINT_S',
    ]) {
      expect(r.stderr).toContain(name);
    }
  });
});
