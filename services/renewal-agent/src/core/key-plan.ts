import { bytesEqual } from '@fedplane/core';

/**
 * Node key rotation at renewal (identity.md: `new_public_key` rotates the node key). The agent
 * stages the next key (persisted before the request, so a lost reply is retried with the SAME new
 * key and the issuer's retry rule returns the credential it already minted for it), writes the
 * credential, then promotes the staged key. This module decides, at start, which stored key the
 * stored credential belongs to after a crash anywhere in that sequence.
 */

/** Inputs of {@link reconcileStoredKeys}. */
export type StoredKeys = {
  readonly current: Uint8Array;
  /** The staged next key, when one is stored. */
  readonly next: Uint8Array | null;
  /** The stored credential's subject key, when a credential is stored. */
  readonly credentialKey: Uint8Array | null;
};

/** What to do with the stored keys. */
export type KeyReconciliation =
  /** The credential (if any) belongs to the current key; a staged key stays staged. */
  | { readonly kind: 'keep' }
  /** The credential belongs to the staged key: the crash came after the credential was written. */
  | { readonly kind: 'promote_next' }
  /** The stored credential belongs to neither key: it cannot be used (attest again). */
  | { readonly kind: 'credential_foreign' };

/**
 * Decides, at start: credential key = staged key → `promote_next`; = current key, or no stored
 * credential → `keep`; otherwise `credential_foreign`. Pure.
 */
export function reconcileStoredKeys(keys: StoredKeys): KeyReconciliation {
  const { credentialKey } = keys;
  if (credentialKey === null || bytesEqual(credentialKey, keys.current)) return { kind: 'keep' };
  if (keys.next !== null && bytesEqual(credentialKey, keys.next)) return { kind: 'promote_next' };
  return { kind: 'credential_foreign' };
}
