import type { PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';

/**
 * What the statement modules run on (house-style §2.9): a pool or a client, `$1` parameters only.
 */

/** A pool or a client (a `QueryConfig` with a `name` runs as a prepared statement). */
export type Queryable = {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
  query<R extends QueryResultRow>(config: QueryConfig<unknown[]>): Promise<QueryResult<R>>;
};

/** A pool that lends clients (transactions, session locks). A `pg` Pool satisfies it. */
export type Connectable = Queryable & { connect(): Promise<PoolClient> };

/**
 * Runs `work` in one transaction on one client: COMMIT when it resolves (ROLLBACK instead when it
 * called `tx.rollbackOnly()`), ROLLBACK when it rejects (the rejection is rethrown). A client
 * whose COMMIT or ROLLBACK failed is discarded, not returned to the pool.
 */
export async function withTransaction<T>(
  pool: Connectable,
  work: (client: PoolClient, tx: TransactionControl) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let healthy = false;
  try {
    await client.query('BEGIN');
    const control = new TransactionControl();
    let result: T;
    try {
      result = await work(client, control);
    } catch (err) {
      await client.query('ROLLBACK');
      healthy = true;
      throw err;
    }
    await client.query(control.rollbackRequested ? 'ROLLBACK' : 'COMMIT');
    healthy = true;
    return result;
  } finally {
    client.release(!healthy);
  }
}

/** Lets a transaction body end in ROLLBACK while still returning a value (a refusal). */
export class TransactionControl {
  #rollback = false;

  /** The transaction will be rolled back instead of committed. */
  rollbackOnly(): void {
    this.#rollback = true;
  }

  /** True once {@link TransactionControl.rollbackOnly} was called. */
  get rollbackRequested(): boolean {
    return this.#rollback;
  }
}

/** A BIGINT column (text from pg) as a number; throws beyond 2^53 (a corrupt row). */
export function bigintColumn(value: string | number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`BIGINT value out of range: ${String(value)}`);
  return n;
}

/** A nullable BIGINT column. */
export function nullableBigint(value: string | number | null): number | null {
  return value === null ? null : bigintColumn(value);
}

/** A nullable TIMESTAMPTZ column as Unix ms. */
export function nullableMs(value: Date | null): number | null {
  return value === null ? null : value.getTime();
}
