import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Last-resort cleanup for everything the testkit spawns or creates on disk.
 *
 * Suites stop their servers in `afterAll`; this registry makes sure nothing outlives the test
 * process when a suite fails before that: on `exit` (and on SIGINT/SIGTERM/SIGHUP, re-raised
 * afterwards when nobody else handles them) every tracked child gets SIGKILL and every tracked
 * directory is removed.
 */
const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let hooksInstalled = false;

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function cleanupNow(): void {
  for (const child of liveChildren) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  liveChildren.clear();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  cleanupNow();
  // `once` already removed this listener: if nobody else handles the signal, restore the default.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', cleanupNow);
  for (const signal of FORWARDED_SIGNALS) process.once(signal, onSignal);
}

/** Registers a spawned child so it is SIGKILLed if the test process exits while it still runs. */
export function trackChild(child: ChildProcess): void {
  installHooks();
  liveChildren.add(child);
}

/** Forgets a child that has exited or was stopped on purpose. */
export function untrackChild(child: ChildProcess): void {
  liveChildren.delete(child);
}

/** Registers a temporary directory to remove if the test process exits before its owner does. */
export function trackDir(dir: string): void {
  installHooks();
  liveDirs.add(dir);
}

/** Forgets a directory its owner has removed (or hands over to the caller). */
export function untrackDir(dir: string): void {
  liveDirs.delete(dir);
}

/** How many children are tracked right now (tests use it to prove nothing leaks). */
export function trackedChildCount(): number {
  return liveChildren.size;
}
