import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  AppError,
  ED25519_SEED_BYTES,
  ErrorCode,
  fromBase64,
  publicKeyFromSeed,
  toBase64,
} from '@fedplane/core';
import type { Log } from '@fedplane/messaging';
import { generateServiceKey } from '@fedplane/runtime';
import type { KeyPair, KeyStore } from '../shell/ports.js';
import { syncDirectory, writeFileAtomic } from './durable-file.js';

/**
 * The node key on disk (identity.md: generated locally, never leaves the node): `FED_KEY_PATH`
 * holds the 32-byte Ed25519 seed as one line of standard base64 (the runtime's service-key
 * format), mode 0600, in a directory created 0700. A key staged for rotation lives next to it in
 * `<FED_KEY_PATH>.next` until it is promoted by an atomic rename.
 */

function code(err: unknown): string | undefined {
  const value = (err as { code?: unknown }).code;
  return typeof value === 'string' ? value : undefined;
}

function keyError(path: string, problem: string, cause?: unknown): AppError {
  return new AppError(ErrorCode.INTERNAL, `node key file ${path}: ${problem}`, {
    details: { path, problem },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Reads a key file; null when absent. Throws `AppError(INTERNAL)` when too open or malformed. */
export async function readKeyFile(path: string): Promise<KeyPair | null> {
  let text: string;
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      throw keyError(path, `mode ${(info.mode & 0o777).toString(8)} is too open (want 600)`);
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (code(err) === 'ENOENT') return null;
    throw keyError(path, 'unreadable', err);
  }
  const seed = fromBase64(text.trim());
  if (seed?.byteLength !== ED25519_SEED_BYTES) throw keyError(path, 'not a base64 32-byte seed');
  return { seed, publicKey: publicKeyFromSeed(seed) };
}

/** Writes a key file (base64 seed + newline, 0600, atomic). */
export function writeKeyFile(path: string, key: KeyPair): Promise<void> {
  return writeFileAtomic(path, `${toBase64(key.seed)}\n`, 0o600);
}

/** Creates the key directory with mode 0700 when missing; warns when an existing one is open. */
async function ensureKeyDirectory(dir: string, log: Log): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await stat(dir);
  if ((info.mode & 0o077) !== 0) {
    log.warn({ dir, mode: (info.mode & 0o777).toString(8) }, 'node key directory is not 0700');
  }
}

/** A {@link KeyStore} at `path` (and `<path>.next`). */
export function fileKeyStore(path: string, log: Log): KeyStore {
  const nextPath = `${path}.next`;
  let next: KeyPair | null = null;
  return {
    load: async () => {
      await ensureKeyDirectory(dirname(path), log);
      let current = await readKeyFile(path);
      if (current === null) {
        current = generateServiceKey();
        await writeKeyFile(path, current);
        log.info({ path }, 'node key generated');
      }
      next = await readKeyFile(nextPath);
      return { current, next };
    },
    stageNext: async () => {
      if (next !== null) return next;
      const staged = generateServiceKey();
      await writeKeyFile(nextPath, staged);
      next = staged;
      return staged;
    },
    promoteNext: async () => {
      if (next === null) return;
      try {
        await rename(nextPath, path);
      } catch (err) {
        if (code(err) !== 'ENOENT') throw err;
      }
      await syncDirectory(dirname(path));
      next = null;
    },
  };
}
