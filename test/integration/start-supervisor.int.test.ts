import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The launcher's process supervision against real child processes, and the refusals of
 * `fedplane start` before it starts anything.
 */
import { runPlane } from '../../packages/cli/src/plane/launcher.js';
import { createSupervisor } from '../../packages/cli/src/plane/supervisor.js';

const dir = mkdtempSync(join(tmpdir(), 'fedplane-supervisor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function nodeChild(name: string, script: string) {
  return {
    name,
    command: process.execPath,
    args: ['-e', script],
    env: {},
    cwd: dir,
    logFile: join(dir, `${name}.log`),
  };
}

describe('supervisor', () => {
  it('splits output into lines, keeps them in the log file, and stops with SIGTERM', async () => {
    const lines: string[] = [];
    const supervisor = createSupervisor((name, line) => lines.push(`${name}|${line}`));
    const proc = supervisor.start(
      nodeChild(
        'graceful',
        "process.stdout.write('one\\ntw'); setTimeout(() => process.stdout.write('o\\n'), 50); process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); setInterval(() => {}, 1000);",
      ),
    );
    const deadline = Date.now() + 10_000;
    while (lines.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await supervisor.stop([proc], 5_000);
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(lines).toEqual(['graceful|one', 'graceful|two', 'graceful|bye']);
    expect(proc.running()).toBe(false);
    expect(readFileSync(join(dir, 'graceful.log'), 'utf8')).toBe('one\ntwo\nbye\n');
  });

  it('SIGKILLs a child that ignores SIGTERM once the deadline passes', async () => {
    const supervisor = createSupervisor(() => undefined);
    const proc = supervisor.start(
      nodeChild(
        'stubborn',
        "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000);",
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    await supervisor.stop([proc], 300);
    expect((await proc.exited).signal).toBe('SIGKILL');
    expect(supervisor.children()).toHaveLength(1);
  });

  it('a command that cannot be spawned ends with a line saying so', async () => {
    const lines: string[] = [];
    const supervisor = createSupervisor((_name, line) => lines.push(line));
    const proc = supervisor.start({
      ...nodeChild('missing', ''),
      command: join(dir, 'no-such-binary'),
    });
    expect(await proc.exited).toEqual({ code: null, signal: null });
    expect(lines.join('\n')).toContain('failed to start');
  });
});

describe('runPlane refuses to start', () => {
  const deps = (env: Record<string, string>) => {
    const errors: string[] = [];
    return {
      errors,
      deps: {
        env: { FEDPLANE_HOME: join(dir, 'home'), ...env },
        cwd: dir,
        out: { write: () => true },
        tty: false,
        err: (text: string) => errors.push(text),
        onInterrupt: () => () => undefined,
      },
    };
  };

  it('without a nats-server: one message saying how to install it, exit 1', async () => {
    const run = deps({ NATS_BIN: join(dir, 'no-nats-server') });
    expect(await runPlane(run.deps)).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/install nats-server.*apt-get install nats-server.*NATS_URL/);
  });

  it('with an invalid variable: every problem, exit 1, nothing started', async () => {
    const run = deps({ DATABASE_URL: 'http://not-postgres', FEDPLANE_LOG_LEVEL: 'loud' });
    expect(await runPlane(run.deps)).toBe(1);
    expect(run.errors.join('\n')).toMatch(/DATABASE_URL/);
    expect(run.errors.join('\n')).toMatch(/FEDPLANE_LOG_LEVEL/);
  });
});
