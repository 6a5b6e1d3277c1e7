import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileRead } from '../core/file-refresh.js';

/**
 * Durable small-file writes: a temporary file in the same directory (created `wx` with the final
 * mode), written and fsynced, renamed over the target, and the directory fsynced so the rename
 * itself survives a crash. A reader sees either the old or the new content, never a mix.
 */

function code(err: unknown): string | undefined {
  const value = (err as { code?: unknown }).code;
  return typeof value === 'string' ? value : undefined;
}

/** Fsyncs a directory (best effort on platforms that refuse to open one). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch (err) {
    if (code(err) === 'EISDIR' || code(err) === 'EPERM') return;
    throw err;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `text` to `path` atomically and durably with `mode` (default 0600). */
export async function writeFileAtomic(path: string, text: string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dir);
}

/** Removes `path` durably; a missing file is fine. */
export async function removeFileDurable(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (code(err) === 'ENOENT') return;
    throw err;
  }
  await syncDirectory(dirname(path));
}

/** Reads `path` as UTF-8: `absent` when it does not exist, `unreadable` on any other error. */
export async function readOptionalText(path: string | undefined): Promise<FileRead> {
  if (path === undefined) return { kind: 'absent' };
  try {
    return { kind: 'text', text: await readFile(path, 'utf8') };
  } catch (err) {
    if (code(err) === 'ENOENT') return { kind: 'absent' };
    return { kind: 'unreadable', detail: `${path}: ${code(err) ?? 'unreadable'}` };
  }
}
