import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  AppError,
  ED25519_SEED_BYTES,
  ErrorCode,
  fromBase64,
  publicKeyFromSeed,
  toBase64,
} from '@fedplane/core';

/**
 * The service's Ed25519 key (identity.md: generated locally, never leaves the process; files mode
 * 0600). The 32-byte seed is held in memory; when a path is given it is kept there as one line of
 * standard base64, written atomically (temporary file in the same directory, fsync, rename).
 */

/** A key pair as the holder keeps it. */
export type ServiceKey = {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
};

/** A fresh key from the operating system's randomness. */
export function generateServiceKey(): ServiceKey {
  const seed = new Uint8Array(randomBytes(ED25519_SEED_BYTES));
  return { seed, publicKey: publicKeyFromSeed(seed) };
}

function keyFileError(path: string, problem: string, cause?: unknown): AppError {
  return new AppError(ErrorCode.INTERNAL, `service key file ${path}: ${problem}`, {
    details: { path, problem },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Writes `seed` to `path` with mode 0600, atomically. */
export async function writeServiceKey(path: string, seed: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.key.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${toBase64(seed)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * Loads the key at `path`, or generates one and writes it there when the file does not exist.
 * Throws `AppError(INTERNAL)` (at startup, before anything connects) when the file is readable by
 * group or others, or does not hold exactly one base64 32-byte seed.
 */
export async function loadOrCreateServiceKey(path: string): Promise<ServiceKey> {
  let text: string;
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      throw keyFileError(path, `mode ${(info.mode & 0o777).toString(8)} is too open (want 600)`);
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') {
      if (err instanceof AppError) throw err;
      throw keyFileError(path, 'unreadable', err);
    }
    const key = generateServiceKey();
    await writeServiceKey(path, key.seed);
    return key;
  }
  const seed = fromBase64(text.trim());
  if (seed?.byteLength !== ED25519_SEED_BYTES)
    throw keyFileError(path, 'not a base64 32-byte seed');
  return { seed, publicKey: publicKeyFromSeed(seed) };
}
