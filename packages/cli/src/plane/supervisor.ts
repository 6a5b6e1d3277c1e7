import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * The launcher's child processes: each runs in its own process group (a terminal Ctrl-C reaches
 * only the launcher, which then stops them in order), its stdout and stderr are split into lines,
 * appended to its log file and handed to `onLine`. `stop` sends SIGTERM and, after the deadline,
 * SIGKILL, and resolves only once every child has exited: nothing outlives the launcher.
 */

/** How a child ended. */
export type ChildExit = { readonly code: number | null; readonly signal: NodeJS.Signals | null };

/** What to start. */
export type ChildSpec = {
  /** Short name used as the log prefix (`issuer`, `agent:node-1`). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly logFile: string;
  /** Open an IPC channel (the child sees `disconnect` when the launcher dies). */
  readonly ipc?: boolean;
};

/** One started child. */
export type Supervised = {
  readonly name: string;
  readonly pid: number | undefined;
  readonly child: ChildProcess;
  readonly exited: Promise<ChildExit>;
  readonly running: () => boolean;
};

/** The supervisor. */
export type Supervisor = {
  readonly start: (spec: ChildSpec) => Supervised;
  /** Every child started so far, in start order. */
  readonly children: () => readonly Supervised[];
  /** SIGTERM to `targets`, SIGKILL to those still running after `deadlineMs`; waits for all. */
  readonly stop: (targets: readonly Supervised[], deadlineMs: number) => Promise<void>;
};

/** Receives every output line of every child. */
export type LineSink = (name: string, line: string) => void;

function splitLines(onLine: (line: string) => void): (chunk: Buffer) => void {
  let buffered = '';
  return (chunk) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) if (part !== '') onLine(part);
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // The negative pid addresses the child's whole process group (tsx loaders, postgres).
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** A supervisor whose children's lines go to `onLine` (and their log files). */
export function createSupervisor(onLine: LineSink): Supervisor {
  const all: Supervised[] = [];
  const logs = new Map<string, WriteStream>();

  function start(spec: ChildSpec): Supervised {
    const log = createWriteStream(spec.logFile, { flags: 'a', mode: 0o600 });
    logs.set(spec.name, log);
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { ...spec.env },
      detached: true,
      stdio: spec.ipc === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    const take = (line: string): void => {
      log.write(`${line}\n`);
      onLine(spec.name, line);
    };
    child.stdout?.on('data', splitLines(take));
    child.stderr?.on('data', splitLines(take));
    let done = false;
    const exited = new Promise<ChildExit>((resolve) => {
      child.once('close', (code, signal) => {
        done = true;
        log.end();
        resolve({ code, signal });
      });
      child.once('error', (error) => {
        if (child.pid !== undefined) return;
        done = true;
        take(`failed to start: ${error.message}`);
        log.end();
        resolve({ code: null, signal: null });
      });
    });
    const supervised: Supervised = {
      name: spec.name,
      pid: child.pid,
      child,
      exited,
      running: () => !done && child.exitCode === null && child.signalCode === null,
    };
    all.push(supervised);
    return supervised;
  }

  async function stop(targets: readonly Supervised[], deadlineMs: number): Promise<void> {
    const live = targets.filter((t) => t.running());
    for (const t of live) signalGroup(t.child, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deadlineMs);
    });
    const first = await Promise.race([Promise.all(live.map((t) => t.exited)), late]);
    clearTimeout(timer);
    if (first === 'late') {
      for (const t of live) if (t.running()) signalGroup(t.child, 'SIGKILL');
      await Promise.all(live.map((t) => t.exited));
    }
    // Whatever is left in a group (a grandchild that ignored SIGTERM) goes too.
    for (const t of live) signalGroup(t.child, 'SIGKILL');
  }

  return { start, children: () => [...all], stop };
}
