import { spawn, type ChildProcess } from 'node:child_process';
import { probeNatsInfo } from './nats-probe.js';
import { trackChild, untrackChild } from './process-registry.js';

const STDERR_TAIL_CHARS = 4096;
const POLL_INTERVAL_MS = 50;

/** How a spawned process ended (`error` when it could not be spawned at all). */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
}

/** One spawned `nats-server` process with its stderr tail kept for diagnostics. */
export interface NatsProcess {
  readonly child: ChildProcess;
  /** Resolves (never rejects) once the process has exited and its stderr is drained. */
  readonly exited: Promise<ProcessExit>;
  /** The last few KB the server wrote to stderr (its log). */
  stderrTail(): string;
  /** True until the process has exited. */
  isRunning(): boolean;
}

/** A server that did not come up; `portInUse` tells the caller a retry on another port may work. */
export class NatsStartError extends Error {
  /** True when the server reported "address already in use" for one of its ports. */
  readonly portInUse: boolean;

  constructor(message: string, portInUse: boolean) {
    super(message);
    this.name = 'NatsStartError';
    this.portInUse = portInUse;
  }
}

/** Spawns the binary with stdout ignored and stderr kept (tail only); tracks it for exit cleanup. */
export function spawnNatsProcess(binary: string, args: readonly string[]): NatsProcess {
  const child = spawn(binary, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  let done = false;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL_CHARS);
  });
  const exited = new Promise<ProcessExit>((resolve) => {
    const settle = (exit: ProcessExit): void => {
      done = true;
      untrackChild(child);
      resolve(exit);
    };
    child.once('close', (code, signal) => settle({ code, signal }));
    child.once('error', (error) => {
      if (child.pid === undefined) settle({ code: null, signal: null, error });
    });
  });
  trackChild(child);
  return {
    child,
    exited,
    stderrTail: () => tail,
    isRunning: () => !done && child.exitCode === null && child.signalCode === null,
  };
}

function lastLines(text: string, count: number): string {
  const lines = text.split('\n').map((l) => l.trim());
  return lines
    .filter((l) => l !== '')
    .slice(-count)
    .join(' | ');
}

function exitError(exit: ProcessExit, proc: NatsProcess, port: number): NatsStartError {
  const stderr = proc.stderrTail();
  const inUse = /address already in use/i.test(stderr);
  const how =
    exit.error !== undefined
      ? `could not be spawned (${exit.error.message})`
      : `exited (code ${String(exit.code)}, signal ${String(exit.signal)}) before it was ready`;
  return new NatsStartError(
    `nats-server on port ${port} ${how}: ${lastLines(stderr, 4) || 'no output'}`,
    inUse,
  );
}

function pause(ms: number, proc: NatsProcess): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const wait = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([wait, proc.exited]).finally(() => clearTimeout(timer));
}

/** What {@link waitForNatsReady} waits for. */
export interface ReadyTarget {
  readonly port: number;
  readonly serverName: string;
  readonly timeoutMs: number;
}

/**
 * Polls 127.0.0.1:`port` until the server answers with an `INFO` line carrying our server name
 * and JetStream enabled (a different server answering means someone else owns the port).
 * Rejects with {@link NatsStartError} when the process exits first or the deadline passes.
 */
export async function waitForNatsReady(proc: NatsProcess, target: ReadyTarget): Promise<void> {
  const deadline = Date.now() + target.timeoutMs;
  for (;;) {
    if (!proc.isRunning()) throw exitError(await proc.exited, proc, target.port);
    const info = await probeNatsInfo('127.0.0.1', target.port, 1000);
    if (
      info !== undefined &&
      info.serverName === target.serverName &&
      info.jetstream &&
      proc.isRunning()
    )
      return;
    if (Date.now() > deadline) {
      const tail = lastLines(proc.stderrTail(), 4) || 'no output';
      throw new NatsStartError(
        `nats-server on port ${target.port} not ready within ${target.timeoutMs} ms: ${tail}`,
        false,
      );
    }
    await pause(POLL_INTERVAL_MS, proc);
  }
}

/**
 * Sends `signal` and waits for the exit; after `graceMs` without exit, sends SIGKILL and waits.
 * A process that already exited resolves at once.
 */
export async function terminateNatsProcess(
  proc: NatsProcess,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  if (!proc.isRunning()) {
    await proc.exited;
    return;
  }
  proc.child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const first = await Promise.race([proc.exited, timedOut]);
  clearTimeout(timer);
  if (first === 'timeout') {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
}
