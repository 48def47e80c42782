import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { watchCheckedOutClient } from '@flotilla/messaging';

/** A pool or a transaction's client: what a repository needs to run a statement. */
export interface SqlExecutor {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface TransactionOptions {
  /** Aborts a statement that waits longer than this for a lock or runs longer (ms). */
  readonly statementTimeoutMs?: number;
}

/**
 * BEGIN … COMMIT on one pooled connection; any throw rolls back. The money
 * path uses node-postgres directly (the same pool Prisma's adapter uses), so it
 * costs one round trip per statement and nothing else.
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  // A dropped connection between statements must fail this unit of work, not the process.
  const watch = watchCheckedOutClient(client);
  let broken = false;
  try {
    // One round trip: the simple-query protocol runs both statements.
    await client.query(
      options.statementTimeoutMs ? `BEGIN; SET LOCAL statement_timeout = ${Math.trunc(options.statementTimeoutMs)}` : 'BEGIN',
    );
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw error;
  } finally {
    watch.stop();
    client.release(broken || watch.lost() !== undefined);
  }
}
