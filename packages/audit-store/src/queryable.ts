import type { PoolClient, QueryResult, QueryResultRow } from 'pg';

/**
 * What every statement module runs on: a `pg` Pool or a client (house-style §2.9). Only
 * `$1`-style parameters are passed; no SQL text is built from values.
 */
export type Queryable = {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
};

/**
 * A pool that lends out one client: what the functions that need a transaction or a session
 * lock take (`appendEvents`, `migrate`). A `pg` Pool satisfies it.
 */
export type Connectable = Queryable & { connect(): Promise<PoolClient> };

/**
 * A BIGINT column value (pg returns BIGINT as text) as a number. Throws `RangeError` beyond
 * 2^53, which no audit chain reaches (a bug or a corrupt row, not an expected outcome).
 */
export function bigintColumn(value: string | number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`BIGINT value out of range: ${value}`);
  return n;
}

/** A nullable BIGINT column value as a number or null (see {@link bigintColumn}). */
export function nullableBigintColumn(value: string | number | null): number | null {
  return value === null ? null : bigintColumn(value);
}
