import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBase64, publicKeyFromSeed } from '@fedplane/core';
import { silentLog } from '@fedplane/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileKeyStore, readKeyFile } from './key-files.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'renewal-agent-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('fileKeyStore', () => {
  it('generates the key on first start: file 0600 in a new directory 0700; loads it again', async () => {
    const path = join(dir, 'node', 'keys', 'node.key');
    const first = await fileKeyStore(path, silentLog).load();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'node', 'keys')).mode & 0o777).toBe(0o700);
    const seed = fromBase64(readFileSync(path, 'utf8').trim());
    expect(seed && publicKeyFromSeed(seed)).toEqual(first.current.publicKey);
    const again = await fileKeyStore(path, silentLog).load();
    expect(again.current.publicKey).toEqual(first.current.publicKey);
    expect(again.next).toBeNull();
  });

  it('stages a next key (reused until promoted), promotes it by rename, survives a restart', async () => {
    const path = join(dir, 'node.key');
    const store = fileKeyStore(path, silentLog);
    const { current } = await store.load();
    const staged = await store.stageNext();
    expect(await store.stageNext()).toBe(staged);
    expect(statSync(`${path}.next`).mode & 0o777).toBe(0o600);
    // A restart before promotion finds the staged key.
    const reloaded = await fileKeyStore(path, silentLog).load();
    expect(reloaded.current.publicKey).toEqual(current.publicKey);
    expect(reloaded.next?.publicKey).toEqual(staged.publicKey);
    await store.promoteNext();
    expect(existsSync(`${path}.next`)).toBe(false);
    expect((await readKeyFile(path))?.publicKey).toEqual(staged.publicKey);
    await store.promoteNext(); // nothing staged: no-op
  });

  it('refuses a key file readable by others, and one that is not a base64 seed', async () => {
    const path = join(dir, 'node.key');
    writeFileSync(path, 'AAAA\n', { mode: 0o600 });
    await expect(readKeyFile(path)).rejects.toThrow(/not a base64 32-byte seed/);
    chmodSync(path, 0o644);
    await expect(readKeyFile(path)).rejects.toThrow(/too open/);
    expect(await readKeyFile(join(dir, 'absent'))).toBeNull();
  });
});
