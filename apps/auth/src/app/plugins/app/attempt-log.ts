import type pg from 'pg';

/**
 * The time of the `n`th most recent row of an attempt log for one key after `since`,
 * or undefined when there are fewer: the sliding-window count the throttles share
 * (login, second factor, reset requests). Table and column names are constants of
 * the repositories, never input. Served by each table's (column, created_at) index.
 */
export async function nthRecentAttempt(
  executor: Pick<pg.Pool, 'query'>,
  log: {
    readonly table: string;
    readonly column: string;
    readonly failuresOnly: boolean;
  },
  value: string,
  n: number,
  since: Date,
): Promise<Date | undefined> {
  const failures = log.failuresOnly ? 'AND succeeded = false ' : '';
  const { rows } = await executor.query<{ created_at: Date }>(
    `SELECT created_at FROM ${log.table}
     WHERE ${log.column} = $1 ${failures}AND created_at > $2
     ORDER BY created_at DESC OFFSET $3 LIMIT 1`,
    [value, since, n - 1],
  );
  return rows[0]?.created_at;
}
