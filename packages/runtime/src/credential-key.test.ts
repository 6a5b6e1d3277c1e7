import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyFromSeed, signEd25519, verifyEd25519 } from '@fedplane/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateServiceKey, loadOrCreateServiceKey, writeServiceKey } from './credential-key.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-runtime-key-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('service keys', () => {
  it('generates distinct working key pairs', () => {
    const a = generateServiceKey();
    const b = generateServiceKey();
    expect(a.seed).toHaveLength(32);
    expect(a.publicKey).toEqual(publicKeyFromSeed(a.seed));
    expect(a.seed).not.toEqual(b.seed);
    const msg = new TextEncoder().encode('m');
    expect(verifyEd25519(a.publicKey, msg, signEd25519(a.seed, msg))).toBe(true);
  });

  it('creates the file with mode 0600 on first use and loads the same key after', async () => {
    const path = join(dir, 'svc.key');
    const created = await loadOrCreateServiceKey(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path, 'utf8')).trim()).toBe(
      Buffer.from(created.seed).toString('base64'),
    );
    const loaded = await loadOrCreateServiceKey(path);
    expect(loaded.seed).toEqual(created.seed);
    expect(loaded.publicKey).toEqual(created.publicKey);
    // No temporary files are left behind.
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('overwrites atomically', async () => {
    const path = join(dir, 'rotate.key');
    const first = generateServiceKey();
    const second = generateServiceKey();
    await writeServiceKey(path, first.seed);
    await writeServiceKey(path, second.seed);
    expect((await loadOrCreateServiceKey(path)).seed).toEqual(second.seed);
  });

  it('refuses a file readable by others', async () => {
    const path = join(dir, 'open.key');
    await writeServiceKey(path, generateServiceKey().seed);
    await chmod(path, 0o644);
    await expect(loadOrCreateServiceKey(path)).rejects.toThrow(/mode 644 is too open/);
  });

  it('refuses content that is not one base64 32-byte seed', async () => {
    const path = join(dir, 'bad.key');
    await writeFile(path, 'not a key\n', { mode: 0o600 });
    await expect(loadOrCreateServiceKey(path)).rejects.toThrow(/not a base64 32-byte seed/);
  });

  it('reports an unreadable path', async () => {
    // A directory where the file should be: stat works, reading fails with EISDIR.
    const path = join(dir, 'a-directory');
    await mkdir(path, { mode: 0o700 });
    await expect(loadOrCreateServiceKey(path)).rejects.toThrow(/unreadable/);
  });

  it('fails when the directory does not exist (nothing to write into)', async () => {
    await expect(
      writeServiceKey(join(dir, 'missing', 'k'), generateServiceKey().seed),
    ).rejects.toThrow(/ENOENT/);
  });
});
