import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * onShutdown in a real process: a child script installs it, the test sends real signals and
 * looks at the exit code, the timing and what the stop function printed.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHUTDOWN_MODULE = join(ROOT, 'packages/runtime/src/shutdown.ts');
const dir = mkdtempSync(join(tmpdir(), 'fp-runtime-shutdown-'));
const children: ChildProcess[] = [];
afterAll(() => {
  // A failed assertion must not leave a child behind.
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const SCRIPT = join(dir, 'child.ts');
writeFileSync(
  SCRIPT,
  `import { onShutdown } from ${JSON.stringify(SHUTDOWN_MODULE)};
const [mode = 'ok', deadline = '10000'] = process.argv.slice(2);
const line = (msg: string, obj: object = {}) => process.stdout.write(JSON.stringify({ msg, ...obj }) + '\\n');
const log = { info: (o: object, m: string) => line(m, o), warn: (o: object, m: string) => line(m, o),
  error: (o: object, m: string) => line(m, { ...o, err: undefined }), debug: () => undefined };
onShutdown({ log, deadlineMs: Number(deadline) }, async () => {
  line('stop-started');
  if (mode === 'hang') await new Promise(() => undefined);
  if (mode === 'slow') await new Promise((r) => setTimeout(r, 5_000));
  line('stop-done');
});
setInterval(() => undefined, 60_000); // a server keeps the loop alive
if (mode === 'fatal') setTimeout(() => { throw new Error('boom'); }, 50);
line('ready');
`,
);

type Run = {
  child: ChildProcess;
  messages: string[];
  waitFor(msg: string): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
};

function run(mode: string, deadlineMs = 10_000): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, mode, String(deadlineMs)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const messages: string[] = [];
  const waiters: { msg: string; resolve: () => void }[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      try {
        const msg = String((JSON.parse(text) as { msg: unknown }).msg);
        messages.push(msg);
        for (const w of waiters.filter((x) => x.msg === msg)) w.resolve();
      } catch {
        messages.push(`raw: ${text}`);
      }
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const waitFor = (msg: string): Promise<void> =>
    messages.includes(msg)
      ? Promise.resolve()
      : new Promise((resolve, reject) => {
          waiters.push({ msg, resolve });
          void exit.then(() =>
            reject(new Error(`exited before "${msg}": ${messages.join(' | ')}`)),
          );
        });
  return { child, messages, waitFor, exit };
}

describe('onShutdown in a child process', () => {
  it('SIGTERM: runs stop and exits 0', async () => {
    const r = run('ok');
    await r.waitFor('ready');
    r.child.kill('SIGTERM');
    const { code } = await r.exit;
    expect(code).toBe(0);
    expect(r.messages).toEqual([
      'ready',
      'shutdown started',
      'stop-started',
      'stop-done',
      'shutdown complete',
    ]);
  });

  it('a second signal exits 1 at once', async () => {
    const r = run('slow');
    await r.waitFor('ready');
    r.child.kill('SIGTERM');
    await r.waitFor('stop-started');
    const sentAt = Date.now();
    r.child.kill('SIGINT');
    const { code, at } = await r.exit;
    expect(code).toBe(1);
    expect(at - sentAt).toBeLessThan(1_500);
    expect(r.messages).toContain('shutdown forced');
    expect(r.messages).not.toContain('stop-done');
  });

  it('a stop that hangs is cut off at the deadline with exit 1', async () => {
    const r = run('hang', 1_000);
    await r.waitFor('ready');
    const sentAt = Date.now();
    r.child.kill('SIGTERM');
    const { code, at } = await r.exit;
    expect(code).toBe(1);
    expect(at - sentAt).toBeGreaterThanOrEqual(1_000);
    expect(at - sentAt).toBeLessThan(4_000);
    expect(r.messages).toContain('shutdown deadline passed');
    expect(r.messages).not.toContain('stop-done');
  });

  it('an uncaught exception runs the stop and exits 1', async () => {
    const r = run('fatal');
    const { code } = await r.exit;
    expect(code).toBe(1);
    expect(r.messages).toEqual([
      'ready',
      'shutdown started',
      'stop-started',
      'stop-done',
      'shutdown complete',
    ]);
  });
});
