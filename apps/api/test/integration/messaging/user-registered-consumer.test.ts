import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { userRegisteredEvent, userDeactivatedEvent, userPasswordChangedEvent } from '@flotilla/contracts';
import type { KitInstance } from '@flotilla/service-kit';
import type {} from '../../../src/app/consumers/user-events';
import type {} from '../../../src/app/plugins/external/messaging';
import { buildTestApp, waitFor } from '../../helper';
import { createLedger, createTestPool, randomKey } from '../../support/ledger-fixtures';

let app: KitInstance;
let pool: Pool;

beforeAll(async () => {
  app = await buildTestApp({ CONSUMERS_ENABLED: 'true' });
  await app.userEventsConsumer.waitForReady();
  pool = createTestPool(2);
});

afterAll(async () => {
  await app.close();
  await pool.end();
});

async function accountsOf(userId: string) {
  const { rows } = await pool.query('SELECT email, display_name, status FROM accounts WHERE user_id = $1', [userId]);
  return rows;
}

describe('user.registered consumer', () => {
  it('when the same message is delivered twice and the event is republished under a new id, then exactly one account exists', async () => {
    const userId = randomUUID();
    const payload = { userId, email: `Reg-${userId}@Example.test`, displayName: 'Registered', registeredAt: new Date().toISOString() };
    const messageId = randomUUID();

    await app.messaging.publisher.publish(userRegisteredEvent, payload, { messageId });
    await app.messaging.publisher.publish(userRegisteredEvent, payload, { messageId });
    await app.messaging.publisher.publish(userRegisteredEvent, payload);
    await waitFor(async () => {
      const { rows } = await pool.query(
        "SELECT count(*)::int AS n FROM processed_message WHERE consumer = 'ledger.user-events' AND message_id = $1",
        [messageId],
      );
      return rows[0].n === 1 && (await accountsOf(userId)).length === 1;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(await accountsOf(userId)).toEqual([{ email: `reg-${userId}@example.test`, display_name: 'Registered', status: 'active' }]);
  });

  it('when user.deactivated arrives, then the account is frozen, its sessions end, and deposits to it are refused', async () => {
    const userId = randomUUID();
    await app.messaging.publisher.publish(userRegisteredEvent, {
      userId,
      email: `gone-${userId}@example.test`,
      displayName: 'Leaving',
      registeredAt: new Date().toISOString(),
    });
    await waitFor(async () => (await accountsOf(userId)).length === 1);
    await pool.query(
      `INSERT INTO session (id_hash, user_id, email, display_name, scope, access_token, access_expires_at, expires_at)
       VALUES ($1, $2, 'x@example.test', 'x', 'ledger:read', 'v1.sealed', now(), now() + interval '1 hour')`,
      [randomKey().padEnd(64, '0').slice(0, 64), userId],
    );

    await app.messaging.publisher.publish(userDeactivatedEvent, { userId, deactivatedAt: new Date().toISOString() });

    await waitFor(async () => (await accountsOf(userId))[0]?.status === 'frozen');
    const refused = createLedger(pool).depositFunds({ userId, idempotencyKey: randomKey(), request: { amount: 100 }, meta: {} });
    await expect(refused).rejects.toMatchObject({ code: 'ACCOUNT_FROZEN' });
    expect((await pool.query('SELECT 1 FROM session WHERE user_id = $1', [userId])).rows).toEqual([]);
  });

  it('when user.password_changed arrives, then the BFF sessions opened before the change end and a later one stays', async () => {
    const userId = randomUUID();
    const insertSession = (createdAt: string) =>
      pool
        .query(
          `INSERT INTO session (id_hash, user_id, email, display_name, scope, access_token, access_expires_at, expires_at, created_at)
           VALUES ($1, $2, 'x@example.test', 'x', 'ledger:read', 'v1.sealed', now(), now() + interval '1 hour', $3) RETURNING id_hash`,
          [randomKey().padEnd(64, '0').slice(0, 64), userId, createdAt],
        )
        .then((r) => r.rows[0].id_hash as string);
    const changedAt = new Date();
    const before = await insertSession(new Date(changedAt.getTime() - 60_000).toISOString());
    const other = await insertSession(new Date(changedAt.getTime() - 1_000).toISOString());
    const after = await insertSession(new Date(changedAt.getTime() + 5_000).toISOString());

    await app.messaging.publisher.publish(userPasswordChangedEvent, { userId, changedAt: changedAt.toISOString(), reason: 'changed' });

    await waitFor(async () => (await pool.query('SELECT 1 FROM session WHERE id_hash = ANY($1)', [[before, other]])).rows.length === 0);
    expect((await pool.query('SELECT id_hash FROM session WHERE user_id = $1', [userId])).rows).toEqual([{ id_hash: after }]);
  });
});
