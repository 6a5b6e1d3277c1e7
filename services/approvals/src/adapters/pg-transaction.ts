import type { PoolClient, QueryResult, QueryResultRow } from 'pg';

/**
 * What the approvals statement modules run on (house-style §2.9): a pool or a client, `$1`
 * parameters only, and one transaction helper.
 */

/** A pool or a client. */
export type Queryable = {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
};

/** A pool that lends clients (transactions, session locks). A `pg` Pool satisfies it. */
export type Connectable = Queryable & { connect(): Promise<PoolClient> };

/**
 * Runs `work` in one transaction on one client: COMMIT when it resolves, ROLLBACK when it rejects
 * (the rejection is rethrown). A client whose COMMIT or ROLLBACK failed is discarded.
 */
export async function withTransaction<T>(
  pool: Connectable,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let healthy = false;
  try {
    await client.query('BEGIN');
    let result: T;
    try {
      result = await work(client);
    } catch (err) {
      await client.query('ROLLBACK');
      healthy = true;
      throw err;
    }
    await client.query('COMMIT');
    healthy = true;
    return result;
  } finally {
    client.release(!healthy);
  }
}
