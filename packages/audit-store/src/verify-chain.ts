import {
  createChainVerification,
  finishChainVerification,
  stepChainVerification,
  type ChainCheckpointRef,
  type ChainVerificationReport,
  type ChainVerificationState,
} from '@fedplane/core';
import type { Queryable } from './queryable.js';
import { createSignerKeyResolver, type SignerKeyResolver } from './signer-key.js';

/** Rows per page when none is given. */
export const DEFAULT_VERIFY_PAGE_SIZE = 5000;

/** Progress after each page of {@link verifyStoredChain}. */
export type VerifyProgress = {
  readonly rows_checked: number;
  /** The last seq walked so far. */
  readonly last_seq: number;
  /** The last seq that existed when the walk began (where it stops). */
  readonly end_seq: number;
};

/** Options of {@link verifyStoredChain}; all optional. */
export type VerifyStoredChainOptions = {
  /** Walk from this seq (default 1); from k > 1 the walk links to the stored hash of k − 1. */
  readonly fromSeq?: number;
  /** A checkpoint `{size, head}` to check against the recomputed hash at `size`. */
  readonly checkpoint?: ChainCheckpointRef | null;
  /** Issuer public keys by issuer id, for rows whose signer is `issuer:<id>`. */
  readonly issuerKeys?: ReadonlyMap<string, Uint8Array>;
  /** Rows fetched per query (default {@link DEFAULT_VERIFY_PAGE_SIZE}). */
  readonly pageSize?: number;
  /** Called after each page. */
  readonly onProgress?: (progress: VerifyProgress) => void;
};

/** Result of {@link verifyStoredChain}. */
export type VerifyStoredChainResult =
  | { readonly ok: true; readonly report: ChainVerificationReport }
  /** `fromSeq` > 1 and the row `fromSeq − 1` to link to is not stored. */
  | {
      readonly ok: false;
      readonly error: { readonly tag: 'from_seq_not_found'; readonly from_seq: number };
    };

type ChainDbRow = {
  seq: string;
  body: Buffer;
  signature: Buffer | null;
  signer: string | null;
  attest_level: string;
  prev_hash: Buffer;
  entry_hash: Buffer;
};

const PAGE_SQL = `SELECT seq, body, signature, signer, attest_level, prev_hash, entry_hash
FROM audit_events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`;

/** Feeds one page to core's reducer; each row's signer key comes from its `signer` column. */
function stepPage(
  state: ChainVerificationState,
  rows: readonly ChainDbRow[],
  resolveKey: SignerKeyResolver,
): ChainVerificationState {
  let next = state;
  for (const row of rows) {
    next = stepChainVerification(next, {
      seq: BigInt(row.seq),
      body: row.body,
      signature: row.signature,
      signerPublicKey: resolveKey(row.signer),
      attestLevel: row.attest_level,
      prevHash: row.prev_hash,
      entryHash: row.entry_hash,
    });
  }
  return next;
}

async function startAfter(
  db: Queryable,
  fromSeq: number,
): Promise<{ seq: bigint; entryHash: Uint8Array } | null | undefined> {
  if (fromSeq === 1) return undefined;
  const result = await db.query<{ entry_hash: Buffer }>(
    'SELECT entry_hash FROM audit_events WHERE seq = $1',
    [fromSeq - 1],
  );
  const row = result.rows[0];
  return row === undefined ? null : { seq: BigInt(fromSeq - 1), entryHash: row.entry_hash };
}

/**
 * Walks the stored chain in seq order and reports `{rows_checked, first_break,
 * signature_failures, checkpoint}` (design/audit.md, Verification) using core's streaming
 * reducer, so memory stays bounded: rows are fetched in pages by keyset
 * (`WHERE seq > $last ORDER BY seq LIMIT $pageSize`) up to the last seq stored when the walk
 * began; rows appended meanwhile are left for the next walk.
 * Signatures of `credential_signed` / `issuer_signed` rows are checked with the key the row's
 * `signer` names: a `v1=` credential's `subject_pubkey`, or `issuerKeys.get(id)` for
 * `issuer:<id>`; an unknown signer is a signature failure.
 * Throws `RangeError` for a `fromSeq` that is not a positive safe integer or a `pageSize` that
 * is not a positive safe integer; database errors are rethrown.
 */
export async function verifyStoredChain(
  db: Queryable,
  options: VerifyStoredChainOptions = {},
): Promise<VerifyStoredChainResult> {
  const fromSeq = options.fromSeq ?? 1;
  const pageSize = options.pageSize ?? DEFAULT_VERIFY_PAGE_SIZE;
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) {
    throw new RangeError('fromSeq must be a positive integer');
  }
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError('pageSize must be a positive integer');
  }
  const after = await startAfter(db, fromSeq);
  if (after === null) return { ok: false, error: { tag: 'from_seq_not_found', from_seq: fromSeq } };
  const end = await db.query<{ end_seq: string | null }>(
    'SELECT max(seq) AS end_seq FROM audit_events',
  );
  const endSeq = end.rows[0]?.end_seq ?? null;
  let state = createChainVerification({
    ...(after === undefined ? {} : { after }),
    checkpoint: options.checkpoint ?? null,
  });
  const resolveKey = createSignerKeyResolver(options.issuerKeys);
  let last = BigInt(fromSeq - 1);
  while (endSeq !== null && last < BigInt(endSeq)) {
    const page = await db.query<ChainDbRow>(PAGE_SQL, [last.toString(), endSeq, pageSize]);
    const lastRow = page.rows.at(-1);
    if (lastRow === undefined) break;
    state = stepPage(state, page.rows, resolveKey);
    last = BigInt(lastRow.seq);
    options.onProgress?.({
      rows_checked: state.rowsChecked,
      last_seq: Number(last),
      end_seq: Number(endSeq),
    });
  }
  return { ok: true, report: finishChainVerification(state) };
}
