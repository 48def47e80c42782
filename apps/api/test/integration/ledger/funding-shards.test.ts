import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createDepositFunds, FUNDING_ACCOUNT_IDS, fundingAccountFor } from '../../../src/domain/ledger/deposit-funds';
import { createLedgerRepository } from '../../../src/app/repositories/ledger-repository';
import { balanceOf, createFundedUser, createTestPool, randomKey } from '../../support/ledger-fixtures';

let pool: Pool;

beforeAll(() => {
  pool = createTestPool(24);
});

afterAll(async () => {
  await pool.end();
});

const USERS = 48;
const DEPOSITS_PER_USER = 2;

describe('funding account shards', () => {
  it('when the migration has run, then the 16 funding accounts exist as system accounts', async () => {
    const { rows } = await pool.query<{ id: string }>(
      "SELECT id FROM accounts WHERE id = ANY($1::uuid[]) AND kind = 'system' ORDER BY id",
      [FUNDING_ACCOUNT_IDS],
    );
    expect(rows.map((row) => row.id)).toEqual([...FUNDING_ACCOUNT_IDS]);
  });

  it('when 96 deposits run at once, then every one is booked against its shard and no update is lost', async () => {
    const users = await Promise.all(Array.from({ length: USERS }, (_, i) => createFundedUser(pool, 0, `shard-${i}`)));
    const deposit = createDepositFunds({
      uow: createLedgerRepository({ pool }),
      clock: { now: () => new Date() },
      ids: { uuid: () => randomUUID() },
    });
    const jobs = users.flatMap((user, u) =>
      Array.from({ length: DEPOSITS_PER_USER }, (_, d) => ({ user, amount: 100 + u * DEPOSITS_PER_USER + d })),
    );

    const results = await Promise.all(
      jobs.map(({ user, amount }) =>
        deposit({ userId: user.userId, idempotencyKey: randomKey(), request: { amount }, meta: {} }),
      ),
    );

    expect(results.every((result) => result.status === 201)).toBe(true);
    for (const [u, user] of users.entries()) {
      const expected = jobs.filter((job) => job.user === user).reduce((sum, job) => sum + job.amount, 0);
      expect({ u, balance: await balanceOf(pool, user.accountId) }).toEqual({ u, balance: expected });
    }
    const { rows: entries } = await pool.query<{ movement_id: string; account_id: string; amount: string }>(
      'SELECT movement_id, account_id, amount::text FROM ledger_entries WHERE movement_id = ANY($1::uuid[])',
      [results.map((result) => result.body.depositId)],
    );
    expect(entries).toHaveLength(jobs.length * 2);
    const byMovement = new Map<string, { account_id: string; amount: string }[]>();
    for (const entry of entries) byMovement.set(entry.movement_id, [...(byMovement.get(entry.movement_id) ?? []), entry]);
    for (const [i, result] of results.entries()) {
      const { user, amount } = jobs[i] as (typeof jobs)[number];
      const legs = byMovement.get(result.body.depositId) ?? [];
      expect(legs.map((leg) => [leg.account_id, Number(leg.amount)]).sort()).toEqual(
        [
          [user.accountId, amount],
          [fundingAccountFor(user.accountId, FUNDING_ACCOUNT_IDS.length), -amount],
        ].sort(),
      );
    }
    const shardsUsed = new Set(entries.filter((entry) => Number(entry.amount) < 0).map((entry) => entry.account_id));
    expect(shardsUsed.size).toBeGreaterThan(8);

    // One statement, one snapshot: each account's balance is the sum of its
    // entries (a lost update would break it), and the whole ledger nets to zero.
    const { rows: check } = await pool.query<{ drifted: number; balances: string; entries: string }>(
      `SELECT
         (SELECT count(*)::int FROM accounts a
            LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger_entries GROUP BY account_id) e ON e.account_id = a.id
           WHERE a.balance <> COALESCE(e.total, 0)) AS drifted,
         (SELECT COALESCE(sum(balance), 0)::text FROM accounts) AS balances,
         (SELECT COALESCE(sum(amount), 0)::text FROM ledger_entries) AS entries`,
    );
    expect(check[0]).toEqual({ drifted: 0, balances: '0', entries: '0' });
  });

  it('when one shard is configured, then every deposit is debited from the first funding account', async () => {
    const user = await createFundedUser(pool, 0, 'one-shard');
    const deposit = createDepositFunds({
      uow: createLedgerRepository({ pool }),
      clock: { now: () => new Date() },
      ids: { uuid: () => randomUUID() },
      fundingShards: 1,
    });

    const result = await deposit({ userId: user.userId, idempotencyKey: randomKey(), request: { amount: 77 }, meta: {} });

    const { rows } = await pool.query<{ account_id: string }>(
      'SELECT account_id FROM ledger_entries WHERE movement_id = $1 AND amount < 0',
      [result.body.depositId],
    );
    expect(rows).toEqual([{ account_id: FUNDING_ACCOUNT_IDS[0] }]);
  });
});
