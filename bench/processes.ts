import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What the benchmark scenarios share about processes: integer knobs from the environment, a
 * service started as its own OS process, and the CPU time of processes read from /proc (the
 * figure the load on a shared machine does not distort).
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** A positive integer from the environment. */
export function intEnv(name: string, fallback: number): number {
  const text = process.env[name];
  const n = text === undefined || text === '' ? fallback : Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

/** A service started as its own OS process (node + tsx loader). */
export type ServiceProcess = {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the first JSON log line whose `msg` is `message`. */
  readonly logged: (message: string, timeoutMs?: number) => Promise<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL after 10 s; resolves when it exited. */
  readonly stop: () => Promise<void>;
};

/** Spawns `services/<service>/src/main.ts` with `env` (PATH added). */
export function startServiceProcess(
  service: string,
  env: Readonly<Record<string, string>>,
  nodeArgs: readonly string[] = [],
): ServiceProcess {
  const main = join(ROOT, 'services', service, 'src/main.ts');
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', '--conditions=@fedplane/source', main],
    { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: 'pipe' },
  );
  let out = '';
  const keep = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logged = async (message: string, timeoutMs = 60_000): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const line of out.split('\n')) {
        if (!line.includes(message)) continue;
        try {
          const o = JSON.parse(line) as Record<string, unknown>;
          if (o['msg'] === message) return o;
        } catch {
          // not a JSON line
        }
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${service}: "${message}" not logged; output:\n${out.slice(-4000)}`);
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, output: () => out, logged, stop };
}

/** Pids whose command line contains every one of `parts` (Linux /proc). */
export function pidsMatching(parts: readonly string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (parts.every((p) => cmd.includes(p))) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** CPU ms (user + system) used so far by `pids` (Linux /proc, 100 ticks/s); gone pids count 0. */
export function cpuMsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks * 10;
}

/** CPU use of every part of the system under test, by role. */
export type CpuRoles = Readonly<Record<string, readonly number[]>>;

/** Snapshot of the CPU ms of each role (the bench process itself as `client`). */
export function cpuSnapshot(roles: CpuRoles): Record<string, number> {
  const snap: Record<string, number> = {};
  for (const [role, pids] of Object.entries(roles)) snap[role] = cpuMsOf(pids);
  const self = process.cpuUsage();
  snap['client'] = (self.user + self.system) / 1000;
  return snap;
}

/** CPU ms used so far by each of `pids` that is still alive (Linux /proc). */
function cpuMsByPid(pids: readonly number[]): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byPid.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // gone
    }
  }
  return byPid;
}

/** A CPU meter started by {@link startCpuMeter}. */
export type CpuMeter = {
  /**
   * CPU ms each role used since the start, by the processes of `roles` (the start's roles when
   * omitted; a process new since the start counts from zero, one gone since is left out rather
   * than counted negative), plus this process as `client`.
   */
  used(roles?: CpuRoles): Record<string, number>;
};

/** Starts measuring the CPU of `roles` (and of this process). */
export function startCpuMeter(roles: CpuRoles): CpuMeter {
  const start = new Map<number, number>();
  for (const pids of Object.values(roles)) {
    for (const [pid, ms] of cpuMsByPid(pids)) start.set(pid, ms);
  }
  const self = process.cpuUsage();
  return {
    used: (now = roles) => {
      const out: Record<string, number> = {};
      for (const [role, pids] of Object.entries(now)) {
        let ms = 0;
        for (const [pid, total] of cpuMsByPid([...new Set(pids)]))
          ms += total - (start.get(pid) ?? 0);
        out[role] = ms;
      }
      const delta = process.cpuUsage(self);
      out['client'] = (delta.user + delta.system) / 1000;
      return out;
    },
  };
}
