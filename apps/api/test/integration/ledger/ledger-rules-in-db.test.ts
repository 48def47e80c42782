import { randomUUID } from 'node:crypto';
import { createFundedUser, createTestPool } from '../../support/ledger-fixtures';

/** The ledger's invariants hold in the database itself, not only in the app (issue 11, finding 9). */
describe('ledger_entries in the database', () => {
  const pool = createTestPool(2);
  afterAll(() => pool.end());

  it('when an entry is updated by direct SQL, then the database refuses it', async () => {
    const user = await createFundedUser(pool, 500, 'append-only');

    const update = pool.query('UPDATE ledger_entries SET amount = amount * 2 WHERE account_id = $1', [user.accountId]);

    await expect(update).rejects.toThrow(/append-only/);
  });

  it('when an entry is deleted by direct SQL, then the database refuses it', async () => {
    const user = await createFundedUser(pool, 500, 'no-delete');

    await expect(pool.query('DELETE FROM ledger_entries WHERE account_id = $1', [user.accountId])).rejects.toThrow(/append-only/);
  });

  it("when a movement's entries do not sum to zero, then its transaction cannot commit", async () => {
    const user = await createFundedUser(pool, 0, 'unbalanced');
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO ledger_entries (movement_id, movement_kind, account_id, amount, balance_after) VALUES ($1, 'deposit', $2, 100, 100)`,
        [randomUUID(), user.accountId],
      );

      await expect(client.query('COMMIT')).rejects.toThrow(/sum to 100, not 0/);
    } finally {
      client.release();
    }
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM ledger_entries WHERE account_id = $1', [user.accountId]);
    expect(rows[0]).toEqual({ n: 0 });
  });
});
