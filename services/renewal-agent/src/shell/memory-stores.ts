import { generateServiceKey } from '@fedplane/runtime';
import type { FileRead } from '../core/file-refresh.js';
import type { CredentialStore, KeyPair, KeyStore } from './ports.js';

/**
 * In-memory {@link KeyStore} and {@link CredentialStore}: the simulated agents of a load test
 * (no files), and tests. Keys come from the operating system's randomness.
 */

/** A key store that keeps the key only in memory (`initial` default: a fresh key). */
export function memoryKeyStore(initial?: KeyPair): KeyStore {
  let current: KeyPair | undefined = initial;
  let next: KeyPair | null = null;
  return {
    load: () => {
      current ??= generateServiceKey();
      return Promise.resolve({ current, next });
    },
    stageNext: () => {
      next ??= generateServiceKey();
      return Promise.resolve(next);
    },
    promoteNext: () => {
      if (next !== null) {
        current = next;
        next = null;
      }
      return Promise.resolve();
    },
  };
}

/** The state of a {@link memoryCredentialStore}, readable by tests. */
export type MemoryCredentialFiles = { leaf?: string; chain?: string };

/** A credential store in memory (what would be the files' contents, with the newline). */
export function memoryCredentialStore(files: MemoryCredentialFiles = {}): CredentialStore {
  const read = (text: string | undefined): FileRead =>
    text === undefined ? { kind: 'absent' } : { kind: 'text', text };
  return {
    read: () => Promise.resolve({ leaf: read(files.leaf), chain: read(files.chain) }),
    write: (leaf, chain) => {
      if (chain === undefined) delete files.chain;
      else files.chain = `${chain}\n`;
      files.leaf = `${leaf}\n`;
      return Promise.resolve();
    },
  };
}
