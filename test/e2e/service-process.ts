import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * One fedplane service as its own OS process, as docker-compose runs it: `tsx` with the source
 * condition on `services/<service>/src/main.ts`, configured only by environment. Its JSON log
 * lines are kept (and written to `<logDir>/<name>.log`) so a test can wait for one; it can be
 * stopped gracefully, killed with SIGKILL and started again with the same environment.
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What to run. */
export type ServiceSpec = {
  /** Unique name in the topology, e.g. `issuer-1`, `gateway-node-3`. */
  readonly name: string;
  /** The service folder under `services/`. */
  readonly service: string;
  readonly env: Readonly<Record<string, string>>;
  readonly args?: readonly string[];
  /**
   * Run the service's esbuild bundle from this assembled runtime image (runtime-image.ts), as
   * the container's entry point does, instead of its TypeScript source through tsx.
   */
  readonly image?: string;
};

/** A parsed log line. */
export type LogLine = Readonly<Record<string, unknown>>;

/** A running (or stopped) service process. */
export type ServiceProcess = {
  readonly spec: ServiceSpec;
  /** Every JSON log line since the first start. */
  readonly lines: readonly LogLine[];
  pid(): number | undefined;
  running(): boolean;
  /** Resolves with the first log line (since `fromIndex`) that matches; rejects after the deadline. */
  waitForLog(match: (line: LogLine) => boolean, options?: WaitOptions): Promise<LogLine>;
  /** Starts the process (again) with the same spec. */
  start(): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL at once; resolves when it has exited. */
  kill(): Promise<number | null>;
};

export type WaitOptions = { readonly timeoutMs?: number; readonly fromIndex?: number };

const PASSED_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'LANG'] as const;

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASSED_THROUGH) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Creates a service process (not started) that logs into `logDir`. */
export function serviceProcess(spec: ServiceSpec, logDir: string): ServiceProcess {
  mkdirSync(logDir, { recursive: true });
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let child: ChildProcess | undefined;
  let file: WriteStream | undefined;
  let partial = '';

  const onData = (chunk: Buffer): void => {
    file?.write(chunk);
    partial += chunk.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) {
      if (!text.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        // not a JSON log line (a stack trace from tsx, for instance): it is in the file
      }
    }
    for (const wake of waiters) wake();
  };

  const handle: ServiceProcess = {
    spec,
    lines,
    pid: () => child?.pid,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    start() {
      if (handle.running()) throw new Error(`${spec.name} is already running`);
      file ??= createWriteStream(join(logDir, `${spec.name}.log`), { flags: 'a' });
      // `node --import tsx` rather than the tsx CLI: the CLI wrapper relays signals through a
      // second process, and a SIGTERM'd service then sometimes exits 143 instead of draining.
      const entry =
        spec.image === undefined
          ? [
              '--import',
              'tsx',
              '--conditions=@fedplane/source',
              `services/${spec.service}/src/main.ts`,
            ]
          : ['--enable-source-maps', `services/${spec.service}/dist/main.js`];
      child = spawn(process.execPath, [...entry, ...(spec.args ?? [])], {
        cwd: spec.image ?? ROOT,
        env: { ...baseEnv(), ...spec.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
    },
    async stop(graceMs = 10_000) {
      const current = child;
      if (current === undefined || !handle.running()) return current?.exitCode ?? null;
      current.kill('SIGTERM');
      const timer = setTimeout(() => current.kill('SIGKILL'), graceMs);
      const code = await exitOf(current);
      clearTimeout(timer);
      return code;
    },
    async kill() {
      const current = child;
      if (current === undefined || !handle.running()) return current?.exitCode ?? null;
      current.kill('SIGKILL');
      return exitOf(current);
    },
    waitForLog(match, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 30_000);
      let index = options.fromIndex ?? 0;
      return new Promise((resolve, reject) => {
        const check = (): void => {
          for (; index < lines.length; index += 1) {
            const line = lines[index];
            if (line !== undefined && match(line)) {
              finish();
              resolve(line);
              return;
            }
          }
        };
        const timer = setTimeout(
          () => {
            finish();
            reject(new Error(`${spec.name}: log line not seen in time (see its .log file)`));
          },
          Math.max(0, deadline - Date.now()),
        );
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
  return handle;
}

/** Stops every process (gracefully, then by force) and waits for all of them. */
export async function stopAll(processes: readonly ServiceProcess[]): Promise<void> {
  await Promise.all(processes.map((p) => p.stop(5_000)));
}
