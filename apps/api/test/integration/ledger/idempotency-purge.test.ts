import { randomUUID } from 'node:crypto';
import { createLedgerRepository, purgeExpiredIdempotencyKeys } from '../../../src/app/repositories/ledger-repository';
import { createTestPool, randomKey } from '../../support/ledger-fixtures';
import { waitFor } from '../../helper';

/**
 * The purge picks expired rows by ctid, then deletes them. A request that takes
 * over an expired key at the same moment updates the row; the waiting DELETE
 * then re-checks only its WHERE on the new version, and a TID match is not
 * re-checked at all, so without `expires_at <= now()` in the outer statement the
 * live claim was deleted and a retry ran the transfer again (issue 11, finding 3).
 */
describe('Idempotency-Key purge', () => {
  const pool = createTestPool(4);
  afterAll(() => pool.end());

  it('when the purge runs while a request takes over an expired key, then the taken-over key survives', async () => {
    const userId = randomUUID();
    const key = randomKey();
    await pool.query(
      `INSERT INTO idempotency_keys (user_id, key, request_hash, response_status, response_body, created_at, expires_at)
       VALUES ($1, $2, repeat('0', 64), 201, '{}', now() - interval '2 days', now() - interval '1 day')`,
      [userId, key],
    );
    let purge: Promise<number> | undefined;

    await createLedgerRepository({ pool }).run(async (tx) => {
      expect(await tx.claimIdempotencyKey({ userId, key, requestHash: 'a'.repeat(64), ttlHours: 24 })).toEqual({ kind: 'claimed' });
      purge = purgeExpiredIdempotencyKeys(pool);
      // The purge has picked the row and now waits for this transaction's row lock.
      await waitFor(async () => {
        const { rows } = await pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM idempotency_keys%'",
        );
        return (rows[0]?.n ?? 0) > 0;
      });
    });
    await purge;

    const { rows } = await pool.query('SELECT request_hash FROM idempotency_keys WHERE user_id = $1 AND key = $2', [userId, key]);
    expect(rows).toEqual([{ request_hash: 'a'.repeat(64) }]);
  });
});
