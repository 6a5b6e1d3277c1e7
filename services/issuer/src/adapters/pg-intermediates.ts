import { bigintColumn, type Queryable } from './pg-transaction.js';

/** Statements on `intermediates`: each region's `region/<name>/ca` and its current credential. */

/** A stored intermediate. */
export type IntermediateRow = {
  readonly region: string;
  readonly issuerId: string;
  /** Standard base64 of its subject (signing) key. */
  readonly publicKey: string;
  /** Its current credential, `v1=…`. */
  readonly credential: string;
  readonly credentialId: string;
  readonly notAfter: number;
};

type Row = {
  region: string;
  issuer_id: string;
  public_key: string;
  credential: string;
  credential_id: string;
  not_after: string;
};

function toRow(row: Row): IntermediateRow {
  return {
    region: row.region,
    issuerId: row.issuer_id,
    publicKey: row.public_key,
    credential: row.credential,
    credentialId: row.credential_id,
    notAfter: bigintColumn(row.not_after),
  };
}

/** The region's intermediate; with `lock`, row-locked until the transaction ends. */
export async function readIntermediate(
  db: Queryable,
  region: string,
  lock: boolean,
): Promise<IntermediateRow | undefined> {
  const result = await db.query<Row>(
    `SELECT region, issuer_id, public_key, credential, credential_id, not_after
     FROM intermediates WHERE region = $1${lock ? ' FOR UPDATE' : ''}`,
    [region],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : toRow(row);
}

/** Inserts or replaces the region's intermediate. */
export async function writeIntermediate(
  db: Queryable,
  row: IntermediateRow,
  nowMs: number,
): Promise<void> {
  await db.query(
    `INSERT INTO intermediates (region, issuer_id, public_key, credential, credential_id, not_after, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (region) DO UPDATE SET issuer_id = EXCLUDED.issuer_id,
       public_key = EXCLUDED.public_key, credential = EXCLUDED.credential,
       credential_id = EXCLUDED.credential_id, not_after = EXCLUDED.not_after,
       updated_at = EXCLUDED.updated_at`,
    [
      row.region,
      row.issuerId,
      row.publicKey,
      row.credential,
      row.credentialId,
      row.notAfter,
      new Date(nowMs),
    ],
  );
}
