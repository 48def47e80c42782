/**
 * Development seed: two demo users with accounts and a funded balance, created
 * through the same use cases the API runs, so the entries balance. Idempotent:
 * the fixed user ids, and a funded account is left alone.
 */
import { Pool } from 'pg';
import { createDepositFunds } from '../src/domain/ledger/deposit-funds';
import { createOpenAccount } from '../src/domain/ledger/open-account';
import { createAccountRepository } from '../src/app/repositories/account-repository';
import { createLedgerRepository } from '../src/app/repositories/ledger-repository';

const DEMO_USERS = [
  { userId: '6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e01', email: 'alice@example.com', displayName: 'Alice', deposit: 50_000 },
  { userId: '6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e02', email: 'bob@example.com', displayName: 'Bob', deposit: 20_000 },
];

async function main(): Promise<void> {
  const url = process.env.LEDGER_DATABASE_URL;
  if (!url) throw new Error('LEDGER_DATABASE_URL is not set');
  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    const openAccount = createOpenAccount({ accounts: createAccountRepository(pool) });
    const depositFunds = createDepositFunds({
      uow: createLedgerRepository({ pool }),
      clock: { now: () => new Date() },
      ids: { uuid: () => globalThis.crypto.randomUUID() },
    });
    for (const user of DEMO_USERS) {
      const { account, created } = await openAccount(user);
      if (account.balance > 0n) {
        console.log(`${user.email}: already seeded`);
        continue;
      }
      const { replayed } = await depositFunds({
        userId: user.userId,
        idempotencyKey: `seed-initial-deposit-${user.userId.slice(-2)}`,
        request: { amount: user.deposit },
        meta: {},
      });
      console.log(`${user.email}: account ${created ? 'opened' : 'already open'}, deposit ${replayed ? 'already made' : 'made'}`);
    }
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
