import {
  acceptIssued,
  decodeChainFile,
  decodeCredentialFile,
  type AcceptError,
  type Claims,
  type VerifierBundle,
} from '@fedplane/core';

/**
 * `file` mode (reference §3.3, `apply_refresh`): what a re-read of the credential and chain files
 * an external issuer writes does to the held credential. The reference's invariants hold — a
 * missing or garbled file never drops a valid credential, identical claims are not swapped in —
 * and its defect (§8 item 5: a missing chain file silently dropped the intermediates) does not:
 * a chain is replaced only together with a leaf that verifies with it.
 */

/** One file as read: absent (path unset or no such file), its text, or unreadable. */
export type FileRead =
  | { readonly kind: 'absent' }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'unreadable'; readonly detail: string };

/** The credential held now. */
export type HeldFiles = {
  /** The leaf, `v1=…`. */
  readonly leaf: string;
  /** The intermediates, `v1=…`, when any. */
  readonly chain?: string | undefined;
  readonly claims: Claims;
};

/** Inputs of {@link applyRefresh}. */
export type RefreshInput = {
  readonly held: HeldFiles | null;
  readonly leafFile: FileRead;
  readonly chainFile: FileRead;
  /** The node's identity. */
  readonly expectedAgentId: string;
  /** The node's public key (the agent signs with its seed, so the credential must bind it). */
  readonly expectedPublicKey: Uint8Array;
  /** The trust bundle, or null before one is known (structural checks only). */
  readonly bundle: VerifierBundle | null;
  /** Unix seconds. */
  readonly nowS: number;
};

/** Why a re-read was refused. `field` says which file. */
export type RefreshError =
  | {
      readonly tag: 'file_unreadable';
      readonly field: 'credential' | 'chain';
      readonly detail: string;
    }
  | (AcceptError & { readonly field?: 'credential' | 'chain' });

/** The outcome (the held credential stays unless `reloaded`). */
export type RefreshOutcome =
  /** No credential file: nothing loaded, keep what is held (reference `Unchanged`). */
  | { readonly kind: 'nothing_loaded' }
  /** Same claims and chain as held: no swap (no churn). */
  | { readonly kind: 'unchanged' }
  | {
      readonly kind: 'reloaded';
      readonly leaf: string;
      readonly chain?: string;
      readonly claims: Claims;
      readonly credentialId: string;
    }
  /** Unreadable, garbled or unverifiable: keep what is held. */
  | { readonly kind: 'failed'; readonly error: RefreshError };

/**
 * Decides what a re-read does.
 * Order: credential file absent → `nothing_loaded`; unreadable → `failed file_unreadable`; its
 * trimmed text does not decode → `failed` with the decode tag. Chain file: unreadable →
 * `failed file_unreadable`; text that is empty after trimming means "no intermediates"; other
 * text must decode as a chain (`failed credential_malformed`, field `chain`). A missing chain file
 * proposes the held chain first and then no chain, so intermediates are kept whenever the leaf
 * still verifies with them. Each proposal goes through core `acceptIssued` (identity, key,
 * verification against the bundle at `nowS`, or structure and expiry without one); the first
 * accepted one decides (`unchanged` or `reloaded`), else `failed` with the first refusal.
 * Pure; never throws.
 */
export function applyRefresh(input: RefreshInput): RefreshOutcome {
  const { leafFile, chainFile, held } = input;
  if (leafFile.kind === 'absent') return { kind: 'nothing_loaded' };
  if (leafFile.kind === 'unreadable') {
    return failed({ tag: 'file_unreadable', field: 'credential', detail: leafFile.detail });
  }
  const leaf = leafFile.text.trim();
  const decoded = decodeCredentialFile(leaf);
  if (!decoded.ok) return failed({ ...decoded.error, field: 'credential' });

  let proposals: readonly (string | undefined)[];
  switch (chainFile.kind) {
    case 'unreadable':
      return failed({ tag: 'file_unreadable', field: 'chain', detail: chainFile.detail });
    case 'absent':
      proposals = held?.chain === undefined ? [undefined] : [held.chain, undefined];
      break;
    case 'text': {
      const text = chainFile.text.trim();
      if (text === '') {
        proposals = [undefined];
        break;
      }
      if (!decodeChainFile(text).ok) {
        return failed({ tag: 'credential_malformed', field: 'chain' });
      }
      proposals = [text];
      break;
    }
  }

  let firstError: AcceptError | undefined;
  for (const chain of proposals) {
    const outcome = acceptIssued({
      held: held === null ? null : { claims: held.claims, chain: held.chain },
      reply: {
        credential: leaf,
        ...(chain === undefined ? {} : { chain }),
        not_after: decoded.value.claims.not_after,
      },
      expectedAgentId: input.expectedAgentId,
      expectedPublicKey: input.expectedPublicKey,
      bundle: input.bundle,
      nowS: input.nowS,
    });
    switch (outcome.kind) {
      case 'unchanged':
        return { kind: 'unchanged' };
      case 'swap':
        return {
          kind: 'reloaded',
          leaf,
          ...(chain === undefined ? {} : { chain }),
          claims: outcome.claims,
          credentialId: outcome.credentialId,
        };
      case 'reject':
        firstError ??= outcome.error;
        break;
    }
  }
  // `proposals` is never empty, so a refusal was recorded.
  return failed(firstError ?? { tag: 'credential_malformed' });
}

function failed(error: RefreshError): RefreshOutcome {
  return { kind: 'failed', error };
}
