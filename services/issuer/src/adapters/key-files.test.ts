import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyFromSeed } from '@fedplane/core';
import { SILENT_LOG } from '@fedplane/messaging';
import { describe, expect, it } from 'vitest';
import { createKeyStore } from './key-files.js';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'issuer-keys-')), 'keys');

describe('key store', () => {
  it('generates a key on first use: dir 0700, .priv 0600 raw 32 bytes, .pub raw 32 bytes', async () => {
    const dir = fresh();
    const store = createKeyStore({ dir, rootId: 'root', log: SILENT_LOG });
    const seed = await store.loadOrCreate('root');
    expect(seed.byteLength).toBe(32);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'root.priv')).mode & 0o777).toBe(0o600);
    expect(new Uint8Array(readFileSync(join(dir, 'root.priv')))).toEqual(seed);
    expect(new Uint8Array(readFileSync(join(dir, 'root.pub')))).toEqual(publicKeyFromSeed(seed));
    // Loaded again (another instance, same directory): the same key.
    const other = createKeyStore({ dir, rootId: 'root', log: SILENT_LOG });
    expect(await other.load('root')).toEqual(seed);
    expect(await other.loadOrCreate('root')).toEqual(seed);
  });

  it('many instances creating the same key at once all end up with one key', async () => {
    const dir = fresh();
    const seeds = await Promise.all(
      Array.from({ length: 8 }, () =>
        createKeyStore({ dir, rootId: 'root', log: SILENT_LOG }).loadOrCreate('root-2'),
      ),
    );
    for (const seed of seeds) expect(seed).toEqual(seeds[0]);
  });

  it('returns undefined for a missing key', async () => {
    const store = createKeyStore({ dir: fresh(), rootId: 'root', log: SILENT_LOG });
    expect(await store.load('root-9')).toBeUndefined();
    expect(await store.loadIntermediate('region/x/ca')).toBeUndefined();
  });

  it('refuses a .pub without its .priv (a new key would not match what verifiers hold)', async () => {
    const dir = fresh();
    await createKeyStore({ dir, rootId: 'root', log: SILENT_LOG }).loadOrCreate('other');
    writeFileSync(join(dir, 'root.pub'), publicKeyFromSeed(new Uint8Array(32).fill(1)));
    await expect(
      createKeyStore({ dir, rootId: 'root', log: SILENT_LOG }).loadOrCreate('root'),
    ).rejects.toMatchObject({
      details: { reason: 'issuer_missing_private_key' },
    });
  });

  it('refuses a seed file readable by others, or of the wrong size', async () => {
    const dir = fresh();
    await createKeyStore({ dir, rootId: 'root', log: SILENT_LOG }).loadOrCreate('root');
    chmodSync(join(dir, 'root.priv'), 0o644);
    await expect(
      createKeyStore({ dir, rootId: 'root', log: SILENT_LOG }).load('root'),
    ).rejects.toMatchObject({
      details: { reason: 'issuer_key_invalid' },
    });
    writeFileSync(join(dir, 'bad.priv'), 'short', { mode: 0o600 });
    await expect(
      createKeyStore({ dir, rootId: 'root', log: SILENT_LOG }).load('bad'),
    ).rejects.toMatchObject({
      details: { reason: 'issuer_key_invalid' },
    });
  });

  it('reads the root seed from ISSUER_KEY_FILE (raw or base64) and creates it when absent', async () => {
    const base = mkdtempSync(join(tmpdir(), 'issuer-keyfile-'));
    const b64 = join(base, 'b64');
    const seed = new Uint8Array(32).fill(9);
    writeFileSync(b64, `${Buffer.from(seed).toString('base64')}\n`, { mode: 0o600 });
    const store = createKeyStore({
      dir: join(base, 'keys'),
      rootId: 'root',
      rootFile: b64,
      log: SILENT_LOG,
    });
    expect(await store.loadOrCreate('root')).toEqual(seed);
    const missing = join(base, 'missing');
    const created = await createKeyStore({
      dir: join(base, 'keys'),
      rootId: 'root',
      rootFile: missing,
      log: SILENT_LOG,
    }).loadOrCreate('root');
    expect(statSync(missing).mode & 0o777).toBe(0o600);
    expect(new Uint8Array(readFileSync(missing))).toEqual(created);
  });

  it('keeps intermediate keys under intermediates/ with their id encoded', async () => {
    const dir = fresh();
    const store = createKeyStore({ dir, rootId: 'root', log: SILENT_LOG });
    const seed = await store.loadOrCreateIntermediate('region/nyc/ca');
    expect(
      new Uint8Array(readFileSync(join(dir, 'intermediates', 'region%2Fnyc%2Fca.priv'))),
    ).toEqual(seed);
    expect(
      await createKeyStore({ dir, rootId: 'root', log: SILENT_LOG }).loadIntermediate(
        'region/nyc/ca',
      ),
    ).toEqual(seed);
  });

  it('refuses slashed ids in the flat issuer directory', async () => {
    const store = createKeyStore({ dir: fresh(), rootId: 'root', log: SILENT_LOG });
    await expect(store.loadOrCreate('a/b')).rejects.toThrow(/slash-free/);
  });
});
