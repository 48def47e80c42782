import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createDepositFunds } from '../../src/domain/ledger/deposit-funds';
import { createOpenAccount } from '../../src/domain/ledger/open-account';
import { createTransferFunds } from '../../src/domain/ledger/transfer-funds';
import { createAccountRepository } from '../../src/app/repositories/account-repository';
import { createLedgerRepository } from '../../src/app/repositories/ledger-repository';

export const LEDGER_DATABASE_URL = process.env.LEDGER_DATABASE_URL ?? 'postgresql://ledger:ledger@127.0.0.1:5432/ledger';

export function createTestPool(max = 10): Pool {
  return new Pool({ connectionString: LEDGER_DATABASE_URL, max });
}

export function createLedger(pool: Pool) {
  const uow = createLedgerRepository({ pool });
  const clock = { now: () => new Date() };
  const ids = { uuid: () => randomUUID() };
  return {
    openAccount: createOpenAccount({ accounts: createAccountRepository(pool) }),
    transferFunds: createTransferFunds({ uow, clock, ids }),
    depositFunds: createDepositFunds({ uow, clock, ids }),
  };
}

export interface TestUser {
  userId: string;
  email: string;
  displayName: string;
  accountId: string;
}

/** A user with an open account, funded by real deposits so the entries stay balanced. */
export async function createFundedUser(pool: Pool, balance = 0, name = 'user'): Promise<TestUser> {
  const ledger = createLedger(pool);
  const userId = randomUUID();
  const email = `${name}-${userId}@example.test`;
  const { account } = await ledger.openAccount({ userId, email, displayName: name });
  let left = balance;
  while (left > 0) {
    const amount = Math.min(left, 100_000);
    await ledger.depositFunds({ userId, idempotencyKey: randomKey(), request: { amount }, meta: {} });
    left -= amount;
  }
  return { userId, email, displayName: name, accountId: account.id };
}

export function randomKey(): string {
  return randomUUID().replaceAll('-', '');
}

export async function balanceOf(pool: Pool, accountId: string): Promise<number> {
  const { rows } = await pool.query<{ balance: string }>('SELECT balance FROM accounts WHERE id = $1', [accountId]);
  return Number(rows[0]?.balance);
}

/** Everything a refused request must leave untouched, for before/after comparison. */
export async function ledgerSnapshot(pool: Pool, accountIds: string[]) {
  const { rows } = await pool.query(
    `SELECT
       (SELECT json_agg(json_build_object('id', id, 'balance', balance::text) ORDER BY id) FROM accounts WHERE id = ANY($1::uuid[])) AS balances,
       (SELECT count(*)::int FROM ledger_entries WHERE account_id = ANY($1::uuid[])) AS entries,
       (SELECT count(*)::int FROM transfers WHERE from_account_id = ANY($1::uuid[]) OR to_account_id = ANY($1::uuid[])) AS transfers,
       (SELECT count(*)::int FROM deposits WHERE account_id = ANY($1::uuid[])) AS deposits,
       (SELECT count(*)::int FROM activity a JOIN accounts c ON c.user_id = a.user_id WHERE c.id = ANY($1::uuid[])) AS activity,
       (SELECT count(*)::int FROM outbox_event WHERE aggregate_id = ANY($1::text[])) AS outbox,
       (SELECT count(*)::int FROM idempotency_keys k JOIN accounts c ON c.user_id = k.user_id WHERE c.id = ANY($1::uuid[])) AS idempotency`,
    [accountIds],
  );
  return rows[0];
}
