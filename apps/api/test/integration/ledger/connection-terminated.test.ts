import type { PoolClient } from 'pg';
import { withTransaction } from '../../../src/app/repositories/sql';
import { createTestPool } from '../../support/ledger-fixtures';

/**
 * pg_terminate_backend while a money transaction holds its client between two
 * statements: the transaction rejects (and rolls back with the connection), the
 * pool discards the client, and the process stays up (issue 11, finding 4).
 */
describe('when PostgreSQL terminates the connection of a money transaction', () => {
  const pool = createTestPool(2);
  const admin = createTestPool(1);
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);

  beforeAll(() => process.on('uncaughtException', onUncaught));
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await pool.end();
    await admin.end();
  });

  async function terminate(client: PoolClient): Promise<void> {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  it('when it happens between statements, then the transaction is refused cleanly and the pool serves the next one', async () => {
    const work = withTransaction(pool, async (client) => {
      await client.query('SELECT 1');
      await terminate(client);
      await client.query('SELECT 2');
    });

    await expect(work).rejects.toThrow();
    expect(uncaught).toEqual([]);
    await expect(withTransaction(pool, (client) => client.query('SELECT 3 AS n'))).resolves.toMatchObject({ rows: [{ n: 3 }] });
  });
});
