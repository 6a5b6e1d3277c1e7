import { GENESIS_PREV_HASH, fromHex, toHex, type ChainHead } from '@fedplane/core';

/**
 * The chain's head: `size` rows (the last seq) and the lower-case hex `entry_hash` of row
 * `size`. The same shape as a checkpoint's `{size, head}`, so a head can be signed or checked
 * directly. An empty chain is `{size: 0, head: <64 zeros>}` (the `prev_hash` its first row gets).
 */
export type AuditHead = { readonly size: number; readonly head: string };

/** The head of an empty chain. */
export const EMPTY_AUDIT_HEAD: AuditHead = { size: 0, head: toHex(GENESIS_PREV_HASH) };

/** The head of a stored row: its seq and entry hash. */
export function auditHeadOf(seq: number, entryHash: Uint8Array): AuditHead {
  return { size: seq, head: toHex(entryHash) };
}

/**
 * Core's `ChainHead` (what `chainRows` appends after) for a head. Throws `RangeError` when
 * `head` is not 64 hex digits: heads come from the store, so that means the last stored row's
 * `entry_hash` is not a 32-byte hash (a tampered table) and nothing should link to it.
 */
export function toChainHead(head: AuditHead): ChainHead {
  const entryHash = fromHex(head.head);
  if (entryHash?.byteLength !== 32) throw new RangeError('audit head is not a 32-byte hash');
  return { seq: BigInt(head.size), entryHash };
}
