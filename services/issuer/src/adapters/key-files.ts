import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  AppError,
  ED25519_SEED_BYTES,
  ErrorCode,
  bytesEqual,
  fromBase64,
  isValidIssuerId,
  publicKeyFromSeed,
} from '@fedplane/core';
import type { Log } from '@fedplane/messaging';

/**
 * The issuer's key material on disk (identity.md; reference §2.7): `<dir>/<issuer_id>.priv` holds
 * the raw 32-byte seed (mode 0600) and `<dir>/<issuer_id>.pub` the raw 32-byte public key; the
 * directory is created 0700. Region intermediates live in `<dir>/intermediates/` under their
 * URL-encoded id (their ids contain `/`). Several instances share the directory: a new key is
 * written to a temporary file and hard-linked into place, so when two instances create the same
 * key at once exactly one file wins and both use it. Seeds are held in memory only here and are
 * never logged.
 */

/** Where the keys are. */
export type KeyStoreOptions = {
  readonly dir: string;
  /** Issuer id whose seed may come from `rootFile` instead of the directory. */
  readonly rootId: string;
  /** A secret file with the root seed (raw 32 bytes or base64 text). */
  readonly rootFile?: string | undefined;
  readonly log: Log;
};

/** Loads and creates issuer and intermediate keys. */
export type KeyStore = {
  /** The seed of issuer `issuerId`, created (0600) when absent. */
  loadOrCreate(issuerId: string): Promise<Uint8Array>;
  /** The seed of issuer `issuerId`, or `undefined` when there is no key file. */
  load(issuerId: string): Promise<Uint8Array | undefined>;
  /** The seed of intermediate `issuerId` (`region/<name>/ca`), created when absent. */
  loadOrCreateIntermediate(issuerId: string): Promise<Uint8Array>;
  /** The seed of intermediate `issuerId`, or `undefined`. */
  loadIntermediate(issuerId: string): Promise<Uint8Array | undefined>;
};

function keyError(path: string, problem: string, cause?: unknown): AppError {
  return new AppError(ErrorCode.INTERNAL, `issuer key ${path}: ${problem}`, {
    details: { reason: 'issuer_key_invalid', path, problem },
    ...(cause === undefined ? {} : { cause }),
  });
}

const isMissing = (err: unknown): boolean => (err as { code?: unknown }).code === 'ENOENT';

/** Reads a seed file: mode must not allow group/others; raw 32 bytes or base64 text of 32. */
async function readSeed(path: string): Promise<Uint8Array | undefined> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      throw keyError(path, `mode ${(info.mode & 0o777).toString(8)} is too open (want 600)`);
    }
    bytes = await readFile(path);
  } catch (err) {
    if (isMissing(err)) return undefined;
    if (err instanceof AppError) throw err;
    throw keyError(path, 'unreadable', err);
  }
  if (bytes.byteLength === ED25519_SEED_BYTES) return new Uint8Array(bytes);
  const decoded = fromBase64(bytes.toString('utf8').trim());
  if (decoded?.byteLength === ED25519_SEED_BYTES) return decoded;
  throw keyError(path, 'not a 32-byte seed');
}

async function writeExclusive(path: string, bytes: Uint8Array, mode: number): Promise<boolean> {
  const temp = join(dirname(path), `.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function writeReplacing(path: string, bytes: Uint8Array, mode: number): Promise<void> {
  const temp = join(dirname(path), `.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

/**
 * Loads the seed at `privPath` or creates it (exactly one instance's key wins a race), then makes
 * sure `pubPath` holds the matching public key. A `.pub` without its `.priv` is an error
 * (`issuer_missing_private_key`): a fresh key would not match what verifiers hold.
 */
async function loadOrCreateAt(
  privPath: string,
  pubPath: string | undefined,
  log: Log,
): Promise<Uint8Array> {
  let seed = await readSeed(privPath);
  if (seed === undefined) {
    if (pubPath !== undefined && (await exists(pubPath))) {
      throw new AppError(
        ErrorCode.INTERNAL,
        `issuer key ${privPath}: public key without private key`,
        {
          details: { reason: 'issuer_missing_private_key', path: privPath },
        },
      );
    }
    const created = await writeExclusive(
      privPath,
      new Uint8Array(randomBytes(ED25519_SEED_BYTES)),
      0o600,
    );
    seed = await readSeed(privPath);
    if (seed === undefined) throw keyError(privPath, 'vanished after creation');
    if (created) log.info({ path: privPath }, 'issuer key generated');
  }
  if (pubPath !== undefined) {
    const pub = publicKeyFromSeed(seed);
    let current: Buffer | undefined;
    try {
      current = await readFile(pubPath);
    } catch (err) {
      if (!isMissing(err)) throw keyError(pubPath, 'unreadable', err);
    }
    if (current === undefined || !bytesEqual(new Uint8Array(current), pub)) {
      await writeReplacing(pubPath, pub, 0o644);
    }
  }
  return seed;
}

/** Creates the key directory (0700) and warns when an existing one is open to others. */
async function prepareDir(dir: string, log: Log): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await stat(dir);
  if ((info.mode & 0o077) !== 0) {
    log.warn(
      { path: dir, mode: (info.mode & 0o777).toString(8) },
      'issuer key directory is open to others',
    );
  }
}

/** Creates a {@link KeyStore} over `options.dir` (made 0700 on first use). */
export function createKeyStore(options: KeyStoreOptions): KeyStore {
  const { dir, log } = options;
  const cache = new Map<string, Uint8Array>();
  let prepared: Promise<void> | undefined;
  const ready = (): Promise<void> => (prepared ??= prepareDir(dir, log));
  const interDir = join(dir, 'intermediates');
  let interPrepared: Promise<void> | undefined;

  const issuerPaths = (issuerId: string): { priv: string; pub: string | undefined } => {
    if (!isValidIssuerId(issuerId)) {
      throw new AppError(ErrorCode.INTERNAL, 'issuer ids in the key directory are slash-free', {
        details: { issuer_id: issuerId },
      });
    }
    if (issuerId === options.rootId && options.rootFile !== undefined) {
      return { priv: options.rootFile, pub: undefined };
    }
    return { priv: join(dir, `${issuerId}.priv`), pub: join(dir, `${issuerId}.pub`) };
  };
  const interPath = (issuerId: string): string =>
    join(interDir, `${encodeURIComponent(issuerId)}.priv`);

  const cached = async (key: string, load: () => Promise<Uint8Array | undefined>) => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const seed = await load();
    if (seed !== undefined) cache.set(key, seed);
    return seed;
  };
  const required = async (seed: Promise<Uint8Array | undefined>): Promise<Uint8Array> => {
    const value = await seed;
    if (value === undefined) throw new Error('key load returned nothing');
    return value;
  };

  return {
    loadOrCreate: (issuerId) =>
      required(
        cached(`i:${issuerId}`, async () => {
          await ready();
          const paths = issuerPaths(issuerId);
          return loadOrCreateAt(paths.priv, paths.pub, log);
        }),
      ),
    load: (issuerId) =>
      cached(`i:${issuerId}`, async () => {
        await ready();
        return readSeed(issuerPaths(issuerId).priv);
      }),
    loadOrCreateIntermediate: (issuerId) =>
      required(
        cached(`m:${issuerId}`, async () => {
          await ready();
          interPrepared ??= mkdir(interDir, { recursive: true, mode: 0o700 }).then(() => undefined);
          await interPrepared;
          return loadOrCreateAt(interPath(issuerId), undefined, log);
        }),
      ),
    loadIntermediate: (issuerId) =>
      cached(`m:${issuerId}`, async () => {
        await ready();
        return readSeed(interPath(issuerId));
      }),
  };
}
