import type { AccountStore } from '../../domain/ledger/open-account';
import type { LedgerAccount, NewAccount } from '../../domain/ledger/ports';
import type { SqlExecutor } from './sql';

export interface AccountRow {
  id: string;
  user_id: string;
  email: string;
  display_name: string;
  currency: string;
  balance: string;
  status: 'active' | 'frozen';
  updated_at: Date;
}

export const ACCOUNT_COLUMNS = 'id, user_id, email, display_name, currency, balance, status, updated_at';

export function toAccount(row: AccountRow): LedgerAccount {
  return {
    id: row.id,
    userId: row.user_id,
    email: row.email,
    displayName: row.display_name,
    currency: row.currency,
    balance: BigInt(row.balance),
    status: row.status,
    updatedAt: row.updated_at,
  };
}

export type AccountRepository = AccountStore & {
  findByEmail(email: string): Promise<LedgerAccount | null>;
};

export function createAccountRepository(db: SqlExecutor): AccountRepository {
  return {
    async findByUserId(userId) {
      const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE user_id = $1`, [userId]);
      return rows[0] ? toAccount(rows[0]) : null;
    },
    async findByEmail(email) {
      const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE email = $1 AND kind = 'user'`, [email]);
      return rows[0] ? toAccount(rows[0]) : null;
    },
    async insertIfAbsent(account: NewAccount) {
      await db.query(
        `INSERT INTO accounts (id, kind, user_id, email, display_name, currency)
         VALUES (gen_random_uuid(), 'user', $1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [account.userId, account.email, account.displayName, account.currency],
      );
    },
    /** Run it in a transaction: the per-user lock lasts until commit, so a concurrent opening waits and then sees the record. */
    async deactivate(userId, deactivatedAt) {
      await db.query('SELECT lock_user($1)', [userId]);
      await db.query('INSERT INTO deactivated_users (user_id, deactivated_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [userId, deactivatedAt]);
      const { rowCount } = await db.query(
        `UPDATE accounts SET status = 'frozen', updated_at = now() WHERE user_id = $1 AND status <> 'frozen'`,
        [userId],
      );
      return { frozen: (rowCount ?? 0) > 0 };
    },
  };
}
