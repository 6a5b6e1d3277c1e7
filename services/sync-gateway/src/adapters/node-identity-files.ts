import { readFile, stat } from 'node:fs/promises';
import {
  ED25519_SEED_BYTES,
  bytesEqual,
  decodeCredentialFile,
  fromBase64,
  publicKeyFromSeed,
} from '@fedplane/core';

/**
 * Reads the node identity the renewal-agent keeps on disk (identity.md; sync.md "It acts *as*
 * that node"): the key file `FED_KEY_PATH` (base64 seed, 0600; during a rotation the staged
 * `<FED_KEY_PATH>.next` too), the credential `FED_CRED_PATH` and the intermediates
 * `FED_CRED_CHAIN_PATH` (`v1=` values). The credential's subject key picks which seed signs, so a
 * credential renewed for a staged key is usable before the key file is promoted.
 */

/** The node identity as read from disk. */
export type NodeIdentityFiles = {
  readonly seed: Uint8Array;
  readonly credential: string;
  readonly chain: string | undefined;
  readonly subject: string;
  /** Unix seconds. */
  readonly notAfter: number;
};

/** Paths of the identity files. */
export type NodeIdentityPaths = {
  readonly keyPath: string;
  readonly credPath: string;
  readonly chainPath: string;
};

/** Why the files do not make an identity (yet). */
export type IdentityReadProblem =
  | 'key_missing'
  | 'key_too_open'
  | 'key_malformed'
  | 'credential_missing'
  | 'credential_malformed'
  | 'chain_malformed'
  | 'key_mismatch';

/** Result of {@link readNodeIdentity}. */
export type IdentityRead =
  | { readonly ok: true; readonly identity: NodeIdentityFiles }
  | { readonly ok: false; readonly problem: IdentityReadProblem };

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readSeed(path: string): Promise<Uint8Array | IdentityReadProblem | undefined> {
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) return 'key_too_open';
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw err;
  }
  const text = await readOptional(path);
  if (text === undefined) return undefined;
  const seed = fromBase64(text.trim());
  return seed?.byteLength === ED25519_SEED_BYTES ? seed : 'key_malformed';
}

/** Reads the files once. I/O errors other than a missing file reject. */
export async function readNodeIdentity(paths: NodeIdentityPaths): Promise<IdentityRead> {
  const credText = await readOptional(paths.credPath);
  if (credText === undefined || credText.trim() === '') {
    return { ok: false, problem: 'credential_missing' };
  }
  const decoded = decodeCredentialFile(credText);
  if (!decoded.ok) return { ok: false, problem: 'credential_malformed' };
  const chainText = (await readOptional(paths.chainPath))?.trim();
  if (chainText !== undefined && chainText !== '' && !chainText.startsWith('v1=')) {
    return { ok: false, problem: 'chain_malformed' };
  }
  const claims = decoded.value.claims;
  let firstProblem: IdentityReadProblem = 'key_missing';
  for (const path of [paths.keyPath, `${paths.keyPath}.next`]) {
    const seed = await readSeed(path);
    if (seed === undefined) continue;
    if (typeof seed === 'string') {
      if (path === paths.keyPath) firstProblem = seed;
      continue;
    }
    if (bytesEqual(publicKeyFromSeed(seed), claims.subject_pubkey)) {
      return {
        ok: true,
        identity: {
          seed,
          credential: credText.trim(),
          chain: chainText === undefined || chainText === '' ? undefined : chainText,
          subject: claims.subject_agent_id,
          notAfter: claims.not_after,
        },
      };
    }
    if (path === paths.keyPath) firstProblem = 'key_mismatch';
  }
  return { ok: false, problem: firstProblem };
}
