import type { Pool } from 'pg';
import { FUNDING_ACCOUNT_IDS, fundingAccountFor } from '../../../src/domain/ledger/deposit-funds';
import { isLedgerError } from '../../../src/domain/ledger/errors';
import { purgeExpiredIdempotencyKeys } from '../../../src/app/repositories/ledger-repository';
import {
  balanceOf,
  createFundedUser,
  createLedger,
  createTestPool,
  ledgerSnapshot,
  randomKey,
} from '../../support/ledger-fixtures';

let pool: Pool;
let ledger: ReturnType<typeof createLedger>;

beforeAll(() => {
  pool = createTestPool(20);
  ledger = createLedger(pool);
});

afterAll(async () => {
  await pool.end();
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isLedgerError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('transfer funds', () => {
  it('when the sender has enough, then both balances move and the entries of the transfer sum to zero', async () => {
    const alice = await createFundedUser(pool, 10_000, 'alice');
    const bob = await createFundedUser(pool, 0, 'bob');

    const result = await ledger.transferFunds({
      userId: alice.userId,
      idempotencyKey: randomKey(),
      request: { recipientEmail: bob.email.toUpperCase(), amount: 2_501, note: ' rent ' },
      meta: {},
    });

    expect(result).toMatchObject({ status: 201, replayed: false });
    expect(result.body).toMatchObject({ amount: 2_501, currency: 'EUR', balanceAfter: 7_499, note: 'rent' });
    expect(result.body.recipient).toEqual({ id: bob.userId, email: bob.email, displayName: 'bob' });
    expect(await balanceOf(pool, alice.accountId)).toBe(7_499);
    expect(await balanceOf(pool, bob.accountId)).toBe(2_501);
    const { rows } = await pool.query<{ sum: string; n: number }>(
      'SELECT sum(amount)::text AS sum, count(*)::int AS n FROM ledger_entries WHERE movement_id = $1',
      [result.body.transferId],
    );
    expect(rows[0]).toEqual({ sum: '0', n: 2 });
    const outbox = await pool.query('SELECT event_name, payload FROM outbox_event WHERE payload->>$1 = $2', [
      'transferId',
      result.body.transferId,
    ]);
    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0]).toMatchObject({ event_name: 'transfer.completed', payload: { fromBalanceAfter: 7_499, toBalanceAfter: 2_501 } });
  });

  it.each([
    ['the balance is too low', 10_001, 'INSUFFICIENT_FUNDS'],
    ['the amount is zero', 0, 'AMOUNT_OUT_OF_RANGE'],
    ['the amount is negative', -5, 'AMOUNT_OUT_OF_RANGE'],
    ['the amount is fractional', 10.5, 'AMOUNT_OUT_OF_RANGE'],
    ['the amount is over the per-transfer limit', 1_000_001, 'AMOUNT_OUT_OF_RANGE'],
    ['the amount is beyond safe integers', Number('9007199254740993'), 'AMOUNT_OUT_OF_RANGE'],
  ])('when %s, then it is refused and nothing changes', async (_case, amount, code) => {
    const alice = await createFundedUser(pool, 10_000, 'alice');
    const bob = await createFundedUser(pool, 0, 'bob');
    const before = await ledgerSnapshot(pool, [alice.accountId, bob.accountId]);

    const refused = refusal(
      ledger.transferFunds({ userId: alice.userId, idempotencyKey: randomKey(), request: { recipientEmail: bob.email, amount }, meta: {} }),
    );

    expect(await refused).toBe(code);
    expect(await ledgerSnapshot(pool, [alice.accountId, bob.accountId])).toEqual(before);
  });

  it('when the recipient is the sender, then SELF_TRANSFER and nothing changes', async () => {
    const alice = await createFundedUser(pool, 10_000, 'alice');
    const before = await ledgerSnapshot(pool, [alice.accountId]);

    const code = await refusal(
      ledger.transferFunds({ userId: alice.userId, idempotencyKey: randomKey(), request: { recipientEmail: ` ${alice.email.toUpperCase()}`, amount: 1 }, meta: {} }),
    );

    expect(code).toBe('SELF_TRANSFER');
    expect(await ledgerSnapshot(pool, [alice.accountId])).toEqual(before);
  });

  it('when no account has the recipient email, then RECIPIENT_NOT_FOUND and nothing changes', async () => {
    const alice = await createFundedUser(pool, 10_000, 'alice');
    const before = await ledgerSnapshot(pool, [alice.accountId]);

    const code = await refusal(
      ledger.transferFunds({ userId: alice.userId, idempotencyKey: randomKey(), request: { recipientEmail: 'nobody@example.test', amount: 1 }, meta: {} }),
    );

    expect(code).toBe('RECIPIENT_NOT_FOUND');
    expect(await ledgerSnapshot(pool, [alice.accountId])).toEqual(before);
  });

  it('when 100 transfers run concurrently in both directions, then final balances are exact and every entry balances', async () => {
    const alice = await createFundedUser(pool, 50_000, 'alice');
    const bob = await createFundedUser(pool, 50_000, 'bob');

    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        i % 2 === 0
          ? ledger.transferFunds({ userId: alice.userId, idempotencyKey: randomKey(), request: { recipientEmail: bob.email, amount: 700 }, meta: {} })
          : ledger.transferFunds({ userId: bob.userId, idempotencyKey: randomKey(), request: { recipientEmail: alice.email, amount: 300 }, meta: {} }),
      ),
    );

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await balanceOf(pool, alice.accountId)).toBe(50_000 - 50 * 700 + 50 * 300);
    expect(await balanceOf(pool, bob.accountId)).toBe(50_000 + 50 * 700 - 50 * 300);
    const { rows } = await pool.query<{ account_id: string; sum: string; latest: string }>(
      `SELECT account_id, sum(amount)::text AS sum,
              (array_agg(balance_after ORDER BY id DESC))[1]::text AS latest
       FROM ledger_entries WHERE account_id = ANY($1::uuid[]) GROUP BY account_id ORDER BY account_id`,
      [[alice.accountId, bob.accountId]],
    );
    for (const row of rows) {
      expect(row.sum).toBe(String(await balanceOf(pool, row.account_id)));
      expect(row.latest).toBe(row.sum);
    }
    const unbalanced = await pool.query(
      `SELECT movement_id FROM ledger_entries WHERE account_id = ANY($1::uuid[])
       GROUP BY movement_id HAVING (SELECT sum(amount) FROM ledger_entries e WHERE e.movement_id = ledger_entries.movement_id) <> 0`,
      [[alice.accountId, bob.accountId]],
    );
    expect(unbalanced.rows).toEqual([]);
  });

  it('when concurrent transfers would overdraw, then exactly the affordable ones succeed and the balance stays non-negative', async () => {
    const alice = await createFundedUser(pool, 1_000, 'alice');
    const bob = await createFundedUser(pool, 0, 'bob');

    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        ledger.transferFunds({ userId: alice.userId, idempotencyKey: randomKey(), request: { recipientEmail: bob.email, amount: 300 }, meta: {} }),
      ),
    );

    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(new Set(refused)).toEqual(new Set(['INSUFFICIENT_FUNDS']));
    expect(await balanceOf(pool, alice.accountId)).toBe(100);
    expect(await balanceOf(pool, bob.accountId)).toBe(900);
  });
});

describe('idempotency', () => {
  it('when a transfer is replayed with the same key and body, then the first result comes back and money moves once', async () => {
    const alice = await createFundedUser(pool, 10_000, 'alice');
    const bob = await createFundedUser(pool, 0, 'bob');
    const key = randomKey();
    const command = { userId: alice.userId, idempotencyKey: key, request: { recipientEmail: bob.email, amount: 1_000 }, meta: {} };

    const first = await ledger.transferFunds(command);
    const again = await ledger.transferFunds({ ...command, request: { amount: 1_000, recipientEmail: bob.email } });

    expect(again).toMatchObject({ status: 201, replayed: true, body: first.body });
    expect(await balanceOf(pool, alice.accountId)).toBe(9_000);
  });

  it('when the same key arrives concurrently, then money moves once and every caller gets the same transfer', async () => {
    const alice = await createFundedUser(pool, 10_000, 'alice');
    const bob = await createFundedUser(pool, 0, 'bob');
    const key = randomKey();

    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        ledger.transferFunds({ userId: alice.userId, idempotencyKey: key, request: { recipientEmail: bob.email, amount: 1_000 }, meta: {} }),
      ),
    );

    expect(new Set(results.map((r) => r.body.transferId)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await balanceOf(pool, alice.accountId)).toBe(9_000);
  });

  it('when the same key comes with a different body, then IDEMPOTENCY_KEY_REUSED and nothing more changes', async () => {
    const alice = await createFundedUser(pool, 10_000, 'alice');
    const bob = await createFundedUser(pool, 0, 'bob');
    const key = randomKey();
    await ledger.transferFunds({ userId: alice.userId, idempotencyKey: key, request: { recipientEmail: bob.email, amount: 1_000 }, meta: {} });
    const before = await ledgerSnapshot(pool, [alice.accountId, bob.accountId]);

    const code = await refusal(
      ledger.transferFunds({ userId: alice.userId, idempotencyKey: key, request: { recipientEmail: bob.email, amount: 1_001 }, meta: {} }),
    );

    expect(code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await ledgerSnapshot(pool, [alice.accountId, bob.accountId])).toEqual(before);
  });

  it('when a key has expired, then it is taken over by the new request', async () => {
    const alice = await createFundedUser(pool, 10_000, 'alice');
    const bob = await createFundedUser(pool, 0, 'bob');
    const key = randomKey();
    await ledger.transferFunds({ userId: alice.userId, idempotencyKey: key, request: { recipientEmail: bob.email, amount: 1_000 }, meta: {} });
    await pool.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND key = $2", [alice.userId, key]);

    const second = await ledger.transferFunds({ userId: alice.userId, idempotencyKey: key, request: { recipientEmail: bob.email, amount: 2_000 }, meta: {} });

    expect(second.replayed).toBe(false);
    expect(await balanceOf(pool, alice.accountId)).toBe(7_000);
  });

  it('when the purge job runs, then expired keys are deleted and live ones kept', async () => {
    const alice = await createFundedUser(pool, 10_000, 'alice');
    const bob = await createFundedUser(pool, 0, 'bob');
    const [expired, live] = [randomKey(), randomKey()];
    for (const key of [expired, live]) {
      await ledger.transferFunds({ userId: alice.userId, idempotencyKey: key, request: { recipientEmail: bob.email, amount: 1 }, meta: {} });
    }
    await pool.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND key = $2", [alice.userId, expired]);

    let purged = 0;
    let batch;
    do {
      batch = await purgeExpiredIdempotencyKeys(pool);
      purged += batch;
    } while (batch > 0);

    expect(purged).toBeGreaterThanOrEqual(1);
    const { rows } = await pool.query('SELECT key FROM idempotency_keys WHERE user_id = $1 ORDER BY key', [alice.userId]);
    expect(rows.map((row) => row.key)).toEqual(expect.arrayContaining([live]));
    expect(rows.map((row) => row.key)).not.toContain(expired);
  });

  it('when a refused transfer is retried with the same key after funding, then it succeeds', async () => {
    const alice = await createFundedUser(pool, 0, 'alice');
    const bob = await createFundedUser(pool, 0, 'bob');
    const key = randomKey();
    const command = { userId: alice.userId, idempotencyKey: key, request: { recipientEmail: bob.email, amount: 500 }, meta: {} };
    expect(await refusal(ledger.transferFunds(command))).toBe('INSUFFICIENT_FUNDS');
    await ledger.depositFunds({ userId: alice.userId, idempotencyKey: randomKey(), request: { amount: 500 }, meta: {} });

    const retried = await ledger.transferFunds(command);

    expect(retried).toMatchObject({ status: 201, replayed: false });
  });
});

describe('deposit funds', () => {
  it('when deposits exceed the daily limit, then the one over it is refused and the day total stays at the cap', async () => {
    const carol = await createFundedUser(pool, 0, 'carol');

    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () =>
        ledger.depositFunds({ userId: carol.userId, idempotencyKey: randomKey(), request: { amount: 100_000 }, meta: {} }),
      ),
    );

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['DAILY_DEPOSIT_LIMIT']);
    expect(await balanceOf(pool, carol.accountId)).toBe(500_000);
  });

  it('when a deposit is made, then its funding account (by the account id) is debited by the same amount', async () => {
    const carol = await createFundedUser(pool, 0, 'carol');

    const result = await ledger.depositFunds({ userId: carol.userId, idempotencyKey: randomKey(), request: { amount: 1_234 }, meta: {} });

    const { rows } = await pool.query<{ account_id: string; amount: string }>(
      'SELECT account_id, amount::text FROM ledger_entries WHERE movement_id = $1 ORDER BY amount',
      [result.body.depositId],
    );
    expect(rows).toEqual([
      { account_id: fundingAccountFor(carol.accountId, FUNDING_ACCOUNT_IDS.length), amount: '-1234' },
      { account_id: carol.accountId, amount: '1234' },
    ]);
  });
});
