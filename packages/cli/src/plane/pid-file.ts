import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * `.fedplane/pids.json`: the process groups the launcher started, so a launcher that was killed
 * outright (SIGKILL, power loss) leaves nothing running after the next `fedplane start`: that
 * start stops whatever of the recorded processes is still alive (checked against its command line
 * in /proc, so a recycled pid is never touched) before it starts anything.
 */

const EntrySchema = z.object({ name: z.string(), pid: z.int(), marker: z.string() });
/** One recorded child. */
export type PidEntry = z.infer<typeof EntrySchema>;

/** Writes the list (0600). */
export function writePidFile(path: string, entries: readonly PidEntry[]): void {
  writeFileSync(path, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file (a clean stop). */
export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

function readEntries(path: string): PidEntry[] {
  try {
    const parsed = z.array(EntrySchema).safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** True when `pid` runs and its command line contains `marker`. */
export function isRecordedProcess(entry: PidEntry): boolean {
  try {
    const cmdline = readFileSync(`/proc/${String(entry.pid)}/cmdline`, 'utf8');
    return cmdline.split('\u0000').join(' ').includes(entry.marker);
  } catch {
    return false;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Stops the leftovers of a previous launcher: SIGTERM, then SIGKILL after `graceMs`. Returns the
 * names it stopped.
 */
export async function reapLeftovers(path: string, graceMs: number): Promise<string[]> {
  const alive = readEntries(path).filter(isRecordedProcess);
  for (const entry of alive) kill(entry.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive.some(isRecordedProcess) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const entry of alive) if (isRecordedProcess(entry)) kill(entry.pid, 'SIGKILL');
  removePidFile(path);
  return alive.map((e) => e.name);
}
