import { AppError, ErrorCode, signEd25519 } from '@fedplane/core';
import type { CredentialSigner } from '@fedplane/messaging';
import type { Held } from './attempt-outcome.js';
import type { KeyPair } from './ports.js';

/**
 * The node's signer: the current key and the held credential, both read at each signature, so a
 * renewal (and a rotated key, swapped together with its credential) takes effect on the next
 * message. Without a credential, `credential()` throws `AppError(UNAVAILABLE)`.
 */
export function createAgentSigner(
  nodeId: string,
  state: { readonly key: () => KeyPair; readonly held: () => Held | undefined },
): CredentialSigner {
  return {
    agentId: nodeId,
    sign: (bytes) => signEd25519(state.key().seed, bytes),
    credential: () => {
      const held = state.held();
      if (held === undefined) {
        throw new AppError(ErrorCode.UNAVAILABLE, 'no credential held', {
          details: { node_id: nodeId, reason: 'no_credential' },
        });
      }
      return held.leaf;
    },
    chain: () => state.held()?.chain,
  };
}
