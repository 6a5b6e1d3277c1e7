import { bytesEqual, fromHex } from './bytes.js';
import { verifyEd25519 } from './ed25519.js';
import {
  GENESIS_PREV_HASH,
  SIGNED_ATTEST_LEVELS,
  bodyHash,
  entryHash,
  isEncodableEntry,
  toSeq,
  type ChainHead,
} from './audit-chain.js';

/**
 * Streaming verification of the audit chain (audit.md, Verification; golden cases
 * `audit-chain.json`). A pure reducer over rows in seq order, so a chain of millions of rows
 * verifies page by page in bounded memory (the state holds a few hashes, counters, and the list
 * of signature failures, which is part of the report).
 *
 * For each row, with `expected_seq` starting at 1 and `expected_prev` at 32 zero bytes (or after a
 * resume point): recompute `body_hash` from the body and `entry_hash` from (the row's stored
 * `prev_hash`, seq, recomputed `body_hash`, attest level, signature). The row is the first break
 * if `seq ≠ expected_seq`, `prev_hash ≠ expected_prev`, or the recomputed `entry_hash` differs
 * from the stored one (a row whose fields cannot be encoded also breaks). Then
 * `expected_seq = seq + 1` and `expected_prev` = the stored `entry_hash`. The stored `body_hash`
 * column is not consulted: the entry hash commits to the hash of the body actually stored.
 * Rows labelled `credential_signed` or `issuer_signed` must carry a signature that verifies over
 * the body under the signer's public key (resolved by the caller from the `signer` column),
 * else their seq is a signature failure; other levels are not checked.
 *
 * Checkpoint: the state carries `{size, head}` from the start and compares `head` with the
 * recomputed entry hash when the row with `seq = size` goes by, so paging does not matter. A
 * checkpoint whose row is never walked (a truncated chain, or a resume point past `size`) is a
 * `mismatch`: nothing proved it.
 */

/** A stored row as the verifier reads it. */
export type StoredChainRow = {
  readonly seq: bigint | number;
  readonly body: Uint8Array;
  readonly signature: Uint8Array | null;
  /** The signer's Ed25519 public key, resolved from the `signer` column; null when none. */
  readonly signerPublicKey: Uint8Array | null;
  readonly attestLevel: string;
  readonly prevHash: Uint8Array;
  readonly entryHash: Uint8Array;
};

/** The part of a checkpoint the verifier checks: `head` is the hex entry hash at `size`. */
export type ChainCheckpointRef = { readonly size: bigint | number; readonly head: string };

/** Options of {@link createChainVerification}. */
export type ChainVerificationOptions = {
  /** Resume after this row (its seq and stored entry hash); default: from seq 1. */
  readonly after?: ChainHead;
  /** The checkpoint to check, or null/absent for none. */
  readonly checkpoint?: ChainCheckpointRef | null;
};

/** A persistent (shared-tail) list, so appending in the reducer is O(1). */
type SeqList = { readonly seq: bigint; readonly prev: SeqList } | null;

/** Verification state; treat as opaque and read it through {@link finishChainVerification}. */
export type ChainVerificationState = {
  readonly expectedSeq: bigint;
  readonly expectedPrev: Uint8Array;
  readonly rowsChecked: number;
  readonly firstBreak: bigint | null;
  readonly signatureFailures: SeqList;
  readonly checkpoint: { readonly size: bigint | null; readonly head: Uint8Array | null } | null;
  readonly checkpointResult: 'pending' | 'ok' | 'mismatch';
};

/** The verification report, with the wire's field names. */
export type ChainVerificationReport = {
  readonly rows_checked: number;
  readonly first_break: number | null;
  readonly signature_failures: readonly number[];
  readonly checkpoint: 'ok' | 'mismatch' | 'none';
};

/** The initial state (see the module comment). */
export function createChainVerification(
  options: ChainVerificationOptions = {},
): ChainVerificationState {
  const cp = options.checkpoint ?? null;
  return {
    expectedSeq: (options.after?.seq ?? 0n) + 1n,
    expectedPrev: options.after?.entryHash ?? GENESIS_PREV_HASH,
    rowsChecked: 0,
    firstBreak: null,
    signatureFailures: null,
    checkpoint: cp === null ? null : { size: toSeq(cp.size), head: parseHead(cp.head) },
    checkpointResult: 'pending',
  };
}

function parseHead(head: string): Uint8Array | null {
  const bytes = /^[0-9a-f]{64}$/.test(head) ? fromHex(head) : undefined;
  return bytes ?? null;
}

function recompute(row: StoredChainRow, seq: bigint | null): Uint8Array | null {
  if (seq === null) return null;
  const fields = {
    prevHash: row.prevHash,
    seq,
    bodyHash: bodyHash(row.body),
    attestLevel: row.attestLevel,
    signature: row.signature,
  };
  return isEncodableEntry(fields) ? entryHash(fields) : null;
}

function signatureFails(row: StoredChainRow): boolean {
  if (!SIGNED_ATTEST_LEVELS.has(row.attestLevel)) return false;
  if (row.signature === null || row.signerPublicKey === null) return true;
  return !verifyEd25519(row.signerPublicKey, row.body, row.signature);
}

/**
 * One row of the walk. Pure: returns a new state and never throws, whatever the row holds.
 * Rows must be given in seq order; a row with a seq that is not an integer in [0, 2^64) breaks
 * the chain at the seq that was expected.
 */
export function stepChainVerification(
  state: ChainVerificationState,
  row: StoredChainRow,
): ChainVerificationState {
  const seq = toSeq(row.seq);
  const recomputed = recompute(row, seq);
  const broken =
    seq !== state.expectedSeq ||
    !bytesEqual(row.prevHash, state.expectedPrev) ||
    recomputed === null ||
    !bytesEqual(recomputed, row.entryHash);
  const here = seq ?? state.expectedSeq;
  let checkpointResult = state.checkpointResult;
  const cp = state.checkpoint;
  if (cp !== null && checkpointResult === 'pending' && seq !== null && seq === cp.size) {
    const ok = recomputed !== null && cp.head !== null && bytesEqual(recomputed, cp.head);
    checkpointResult = ok ? 'ok' : 'mismatch';
  }
  return {
    expectedSeq: here + 1n,
    expectedPrev: row.entryHash,
    rowsChecked: state.rowsChecked + 1,
    firstBreak: state.firstBreak ?? (broken ? here : null),
    signatureFailures: signatureFails(row)
      ? { seq: here, prev: state.signatureFailures }
      : state.signatureFailures,
    checkpoint: cp,
    checkpointResult,
  };
}

/**
 * The report for the rows walked so far: `checkpoint` is `none` without a checkpoint, `ok` or
 * `mismatch` once its row was walked, `mismatch` when it never was. Seqs are reported as numbers
 * (exact up to 2^53, far beyond any real chain).
 */
export function finishChainVerification(state: ChainVerificationState): ChainVerificationReport {
  const failures: number[] = [];
  for (let node = state.signatureFailures; node !== null; node = node.prev) {
    failures.push(Number(node.seq));
  }
  failures.reverse();
  let checkpoint: ChainVerificationReport['checkpoint'] = 'none';
  if (state.checkpoint !== null) {
    checkpoint = state.checkpointResult === 'ok' ? 'ok' : 'mismatch';
  }
  return {
    rows_checked: state.rowsChecked,
    first_break: state.firstBreak === null ? null : Number(state.firstBreak),
    signature_failures: failures,
    checkpoint,
  };
}

/** Convenience: verifies rows held in memory (from seq 1) against an optional checkpoint. */
export function verifyChainRows(
  rows: Iterable<StoredChainRow>,
  checkpoint: ChainCheckpointRef | null = null,
): ChainVerificationReport {
  let state = createChainVerification({ checkpoint });
  for (const row of rows) state = stepChainVerification(state, row);
  return finishChainVerification(state);
}
