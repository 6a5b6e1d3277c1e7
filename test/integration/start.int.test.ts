import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliIo } from '@fedplane/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `pnpm start` as a process (issue 7, "Done when"): on a fresh FEDPLANE_HOME, with nats-server on
 * the PATH and NO DATABASE_URL (embedded Postgres), the demo fleet reaches strict enforcement
 * with every node able to sign within 60 s, as `fedplane status --json` reports; then SIGINT to
 * the process group (a terminal's Ctrl-C) stops it and every child process it started exits.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI_MAIN = join(ROOT, 'packages/cli/src/main.ts');
const CONVERGE_MS = 60_000;

type StatusJson = {
  nodes: { id: string; present: boolean; can_sign: boolean; not_after: number | null }[];
  posture: { require_sig: boolean; revision: number | null };
  pending_approvals: number | null;
  audit: { size: number | null; head: string | null };
};

let dir = '';
let home = '';
let child: ChildProcess;
let output = '';
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let startedAt = 0;
const savedHome = process.env['FEDPLANE_HOME'];
const savedNats = process.env['NATS_URL'];

function startPlane(): void {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    FEDPLANE_HOME: home,
  };
  startedAt = Date.now();
  // Its own process group, like a shell job: SIGINT to the group is what Ctrl-C sends.
  child = spawn('pnpm', ['start'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
}

async function statusJson(): Promise<{ code: number; json: unknown }> {
  return cliJson(['status', '--json']);
}

async function cliJson(argv: readonly string[]): Promise<{ code: number; json: unknown }> {
  let out = '';
  const io: CliIo = {
    out: (t) => (out += t),
    err: () => undefined,
    readText: (path) => readFileSync(path, 'utf8'),
    nowS: () => Math.floor(Date.now() / 1000),
  };
  const code = await runCli(argv, io);
  return { code, json: JSON.parse(out) as unknown };
}

function converged(s: StatusJson): boolean {
  return (
    s.posture.require_sig &&
    s.nodes.length === 3 &&
    s.nodes.every((n) => n.present && n.can_sign && n.not_after !== null)
  );
}

/**
 * Waits until pnpm has exited, the launcher process (the `pid` of plane.json; pnpm may return
 * before it on SIGINT) is gone, and its last line is out.
 */
async function stopped(launcher: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  while (
    (alive(launcher) || !output.includes('stopped; every child process exited')) &&
    Date.now() < deadline
  ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(child.exitCode !== null || child.signalCode !== null, output.slice(-3000)).toBe(true);
  expect(alive(launcher), output.slice(-3000)).toBe(false);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fedplane-start-'));
  chmodSync(dir, 0o755); // the embedded Postgres runs as user postgres and must reach its data dir
  home = join(dir, 'home');
  process.env['FEDPLANE_HOME'] = home; // read by the in-process `fedplane status`
  delete process.env['NATS_URL'];
  startPlane();
});

afterAll(() => {
  // After a failure: whatever the launcher recorded and is still running goes too.
  const pidsFile = join(home, 'pids.json');
  if (existsSync(pidsFile)) {
    for (const p of JSON.parse(readFileSync(pidsFile, 'utf8')) as { pid: number }[]) {
      try {
        process.kill(-p.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  if (child.exitCode === null && child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (savedHome === undefined) delete process.env['FEDPLANE_HOME'];
  else process.env['FEDPLANE_HOME'] = savedHome;
  if (savedNats !== undefined) process.env['NATS_URL'] = savedNats;
  rmSync(dir, { recursive: true, force: true });
});

describe('pnpm start', () => {
  let pids: { name: string; pid: number }[] = [];

  it('reaches a strict, converged demo fleet within 60 s (fedplane status --json)', async () => {
    const deadline = startedAt + CONVERGE_MS;
    let last: unknown;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`pnpm start exited early:\n${output.slice(-4000)}`);
      if (existsSync(join(home, 'plane.json'))) {
        const { code, json } = await statusJson();
        last = json;
        if (code === 0 && converged(json as StatusJson)) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const status = last as StatusJson;
    expect(status, `last status ${JSON.stringify(last)}\n${output.slice(-3000)}`).toBeDefined();
    expect(Object.keys(status).sort()).toEqual(['audit', 'nodes', 'pending_approvals', 'posture']);
    expect(status.posture.require_sig).toBe(true);
    expect(status.nodes.map((n) => n.id).sort()).toEqual([
      'region/demo/node-1',
      'region/demo/node-2',
      'region/demo/node-3',
    ]);
    for (const node of status.nodes) {
      expect(Object.keys(node).sort()).toEqual(['can_sign', 'id', 'not_after', 'present']);
      expect(node).toMatchObject({ present: true, can_sign: true });
    }
    expect(Date.now() - startedAt).toBeLessThanOrEqual(CONVERGE_MS);
    // ... and the demo writes go through a gateway under strict enforcement.
    while (
      !output.includes('demo records written through a gateway') &&
      Date.now() < deadline + 15_000
    ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(output).toMatch(/demo records written through a gateway ok=true records=3/);
    pids = (JSON.parse(readFileSync(join(home, 'pids.json'), 'utf8')) as typeof pids).filter(
      (p) => p.pid > 0,
    );
    expect(pids.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'nats',
        'postgres',
        'issuer',
        'auditor',
        'reconciler',
        'agent:node-1',
      ]),
    );
  }, 90_000);

  it('the fedplane binary reads the same plane from .fedplane/plane.json', () => {
    const r = spawnSync(TSX, ['--conditions=@fedplane/source', CLI_MAIN, 'status', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env['PATH'], FEDPLANE_HOME: home },
    });
    expect(r.status, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as StatusJson;
    expect(status.posture.require_sig).toBe(true);
    expect(status.audit.size).toBeGreaterThan(0);
    expect(status.audit.head).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof status.pending_approvals).toBe('number');
  }, 40_000);

  it('SIGINT (Ctrl-C) stops everything: the launcher exits and no child survives', async () => {
    expect(child.pid).toBeDefined();
    const launcher = (JSON.parse(readFileSync(join(home, 'plane.json'), 'utf8')) as { pid: number })
      .pid;
    process.kill(-(child.pid ?? 0), 'SIGINT');
    await stopped(launcher, 45_000);
    expect(output).toContain('stopped; every child process exited');
    expect(pids.length).toBeGreaterThanOrEqual(8);
    expect(pids.filter((p) => alive(p.pid))).toEqual([]);
    expect(existsSync(join(home, 'pids.json'))).toBe(false);
    expect(existsSync(join(home, 'pg', 'PG_VERSION'))).toBe(true); // kept for the next start
  }, 60_000);

  it('a second pnpm start reuses .fedplane/: same data, no new enrollment, strict again', async () => {
    const firstOutput = output;
    output = '';
    startPlane();
    const deadline = Date.now() + CONVERGE_MS;
    let last: StatusJson | undefined;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`second start exited:\n${output.slice(-4000)}`);
      const { code, json } = await statusJson().catch(() => ({ code: 1, json: undefined }));
      last = json as StatusJson | undefined;
      if (code === 0 && last !== undefined && converged(last)) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(last !== undefined && converged(last), JSON.stringify(last)).toBe(true);
    // Converged on this run's evidence: every node published a signed status since the restart.
    const restartedAt = startedAt;
    let fresh = false;
    while (!fresh && Date.now() < deadline) {
      // `node status` in-process reads NATS_URL (the binary would take it from plane.json).
      const plane = JSON.parse(readFileSync(join(home, 'plane.json'), 'utf8')) as {
        nats_url: string;
      };
      process.env['NATS_URL'] = plane.nats_url;
      const { json } = await cliJson(['node', 'status', '--json']).finally(() => {
        delete process.env['NATS_URL'];
      });
      const nodes =
        (json as { nodes?: { published_at: string | null; valid_now: boolean }[] }).nodes ?? [];
      fresh =
        nodes.length === 3 &&
        nodes.every(
          (n) =>
            n.valid_now && n.published_at !== null && Date.parse(n.published_at) >= restartedAt,
        );
      if (!fresh) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(fresh, output.slice(-3000)).toBe(true);
    expect(firstOutput).toContain('enrolled demo node');
    expect(output).not.toContain('enrolled demo node'); // the nodes renew with their kept credentials
    expect(output).not.toContain('initialising postgres cluster');
    const launcher = (JSON.parse(readFileSync(join(home, 'plane.json'), 'utf8')) as { pid: number })
      .pid;
    process.kill(-(child.pid ?? 0), 'SIGINT');
    await stopped(launcher, 45_000);
    expect(output).toContain('stopped; every child process exited');
  }, 90_000);
});
