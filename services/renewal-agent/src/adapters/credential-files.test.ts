import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeChainFile,
  decodeCredentialFile,
  encodeChain,
  issueCredential,
  publicKeyFromSeed,
} from '@fedplane/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialFileText, fileCredentialStore } from './credential-files.js';
import { readOptionalText, writeFileAtomic } from './durable-file.js';

/**
 * Reference §7 item 13 (credential file): the header plus a newline round-trips; a missing file
 * is "none"; garbage is refused (the agent keeps what it holds); an unset path is "none"; the
 * chain file likewise. Plus: atomic replacement, mode 0600, chain removed when there is none.
 */

const NOW = 1_900_000_000;
let dir = '';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'renewal-agent-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function credential(subject = 'region/nyc/node-1') {
  const issued = issueCredential({
    issuerSeed: new Uint8Array(32).fill(1),
    issuerId: 'root',
    trustDomain: 'fleet.test',
    subjectAgentId: subject,
    subjectPubkey: publicKeyFromSeed(new Uint8Array(32).fill(2)),
    nowS: NOW,
    ttlS: 3600,
  });
  if (!issued.ok) throw new Error('mint');
  return issued.value;
}

describe('credential files (reference §7 item 13)', () => {
  it('the header plus newline round-trips, mode 0600', async () => {
    const store = fileCredentialStore({
      credPath: join(dir, 'cred'),
      chainPath: join(dir, 'chain'),
    });
    const cred = credential();
    await store.write(cred.header, undefined);
    expect(readFileSync(join(dir, 'cred'), 'utf8')).toBe(`${cred.header}\n`);
    expect(statSync(join(dir, 'cred')).mode & 0o777).toBe(0o600);
    const read = await store.read();
    expect(read.chain).toEqual({ kind: 'absent' });
    expect(read.leaf.kind).toBe('text');
    const decoded = read.leaf.kind === 'text' ? decodeCredentialFile(read.leaf.text) : undefined;
    expect(decoded?.ok && decoded.value.claims).toEqual(cred.claims);
  });

  it('missing file and unset path: none; garbage: text that does not decode', async () => {
    expect(await readOptionalText(join(dir, 'missing'))).toEqual({ kind: 'absent' });
    expect(await readOptionalText(undefined)).toEqual({ kind: 'absent' });
    writeFileSync(join(dir, 'garbage'), 'garbage\n');
    const garbage = await readOptionalText(join(dir, 'garbage'));
    expect(garbage).toEqual({ kind: 'text', text: 'garbage\n' });
    expect(decodeCredentialFile('garbage\n').ok).toBe(false);
    mkdirSync(join(dir, 'a-directory'));
    expect((await readOptionalText(join(dir, 'a-directory'))).kind).toBe('unreadable');
  });

  it('chain analogues: written with its newline, removed when the node holds none', async () => {
    const store = fileCredentialStore({
      credPath: join(dir, 'cred'),
      chainPath: join(dir, 'chain'),
    });
    const ca = credential('region/nyc/ca');
    const chain = encodeChain([ca.envelope]);
    await store.write(credential().header, chain);
    expect(readFileSync(join(dir, 'chain'), 'utf8')).toBe(`${chain}\n`);
    expect(statSync(join(dir, 'chain')).mode & 0o777).toBe(0o600);
    expect(decodeChainFile(readFileSync(join(dir, 'chain'), 'utf8')).ok).toBe(true);
    await store.write(credential().header, undefined);
    expect((await store.read()).chain).toEqual({ kind: 'absent' });
    // Removing an absent chain is fine.
    await store.write(credential().header, undefined);
  });

  it('replaces atomically and leaves no temporary files', async () => {
    const path = join(dir, 'cred');
    await writeFileAtomic(path, 'one\n');
    await writeFileAtomic(path, 'two\n');
    expect(readFileSync(path, 'utf8')).toBe('two\n');
    expect(readdirSync(dir)).toEqual(['cred']);
    expect(credentialFileText('v1=AA==')).toBe('v1=AA==\n');
  });

  it('a write into a missing directory fails and changes nothing', async () => {
    await expect(writeFileAtomic(join(dir, 'nope', 'cred'), 'x')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });
});
