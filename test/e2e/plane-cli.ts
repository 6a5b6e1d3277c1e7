import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './service-process.js';

/**
 * `fedplane <args>` as the operator runs it: its own OS process (`tsx` on the CLI's `main.ts`),
 * configured by environment only (`NATS_URL`, `DATABASE_URL`).
 */

const TSX = join(ROOT, 'node_modules/.bin/tsx');

/** Exit code and output of one CLI run. */
export type CliRun = {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
};

/** Runs the CLI; rejects only when it cannot be spawned or overruns `timeoutMs`. */
export function runFedplane(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  timeoutMs = 60_000,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      TSX,
      ['--conditions=@fedplane/source', 'packages/cli/src/main.ts', ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fedplane ${args.join(' ')}: no exit within ${String(timeoutMs)} ms`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI with `--json` and parses stdout; throws with both streams on a non-zero exit. */
export async function fedplaneJson(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  timeoutMs?: number,
): Promise<Record<string, unknown>> {
  const run = await runFedplane([...args, '--json'], env, timeoutMs);
  if (run.code !== 0) {
    throw new Error(
      `fedplane ${args.join(' ')} exited ${String(run.code)}\n${run.stdout}\n${run.stderr}`,
    );
  }
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>;
}
