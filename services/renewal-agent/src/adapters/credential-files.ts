import type { CredentialStore } from '../shell/ports.js';
import { readOptionalText, removeFileDurable, writeFileAtomic } from './durable-file.js';

/**
 * The credential and chain files in the ai-memory format (reference §2.3–2.4): each holds
 * exactly the `v1=` header value and a newline, mode 0600, written atomically. The chain file is
 * removed when the node holds no intermediates (an ai-memory daemon reads a missing chain file as
 * "none"). The chain is written before the leaf, so a reader that notices a new leaf finds its
 * chain already in place.
 */

/** Paths of the two files. */
export type CredentialPaths = {
  readonly credPath: string;
  readonly chainPath: string;
};

/** The file form of a header value: the value and one newline. */
export function credentialFileText(value: string): string {
  return `${value}\n`;
}

/** A {@link CredentialStore} over the two files. */
export function fileCredentialStore(paths: CredentialPaths): CredentialStore {
  return {
    read: async () => ({
      leaf: await readOptionalText(paths.credPath),
      chain: await readOptionalText(paths.chainPath),
    }),
    write: async (leaf, chain) => {
      if (chain === undefined) await removeFileDurable(paths.chainPath);
      else await writeFileAtomic(paths.chainPath, credentialFileText(chain));
      await writeFileAtomic(paths.credPath, credentialFileText(leaf));
    },
  };
}
