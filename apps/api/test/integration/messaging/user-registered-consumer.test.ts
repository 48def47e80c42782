import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { userRegisteredEvent, userDeactivatedEvent, userPasswordChangedEvent } from '@flotilla/contracts';
import type { KitInstance } from '@flotilla/service-kit';
import type {} from '../../../src/app/consumers/user-events';
import type {} from '../../../src/app/plugins/external/messaging';
import { buildTestApp, waitFor } from '../../helper';
import { createLedger, createTestPool, randomKey } from '../../support/ledger-fixtures';
import { createAccountRepository } from '../../../src/app/repositories/account-repository';
import { createTestTokenIssuer, type TestTokenIssuer } from '../../support/tokens';

let app: KitInstance;
let pool: Pool;
let tokens: TestTokenIssuer;

beforeAll(async () => {
  tokens = await createTestTokenIssuer();
  app = await buildTestApp({ CONSUMERS_ENABLED: 'true' }, { accessTokenVerifier: tokens.verifier });
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

async function processed(messageId: string): Promise<boolean> {
  const { rows } = await pool.query("SELECT 1 FROM processed_message WHERE consumer = 'ledger.user-events' AND message_id = $1", [messageId]);
  return rows.length === 1;
}

function registration(userId: string) {
  return { userId, email: `late-${userId}@example.test`, displayName: 'Late', registeredAt: new Date().toISOString() };
}

async function deactivate(userId: string): Promise<void> {
  const messageId = randomUUID();
  await app.messaging.publisher.publish(userDeactivatedEvent, { userId, deactivatedAt: new Date().toISOString() }, { messageId });
  await waitFor(() => processed(messageId));
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

  it('when user.registered is (re)delivered after user.deactivated was consumed with no account yet, then the account is opened frozen', async () => {
    const userId = randomUUID();
    await deactivate(userId);

    const messageId = randomUUID();
    await app.messaging.publisher.publish(userRegisteredEvent, registration(userId), { messageId });

    await waitFor(() => processed(messageId));
    expect(await accountsOf(userId)).toEqual([expect.objectContaining({ status: 'frozen' })]);
  });

  it('when user.registered and user.deactivated for many users are consumed at once (prefetch > 1), then every account ends frozen', async () => {
    const users = Array.from({ length: 40 }, () => randomUUID());
    const ids = users.map(() => [randomUUID(), randomUUID()] as const);

    // Half the users get their deactivation published first: all pairs are in flight together.
    await Promise.all(
      users.map((userId, i) => {
        const [registeredId, deactivatedId] = ids[i];
        const register = () => app.messaging.publisher.publish(userRegisteredEvent, registration(userId), { messageId: registeredId });
        const leave = () =>
          app.messaging.publisher.publish(userDeactivatedEvent, { userId, deactivatedAt: new Date().toISOString() }, { messageId: deactivatedId });
        return i % 2 === 0 ? register().then(leave) : leave().then(register);
      }),
    );

    await waitFor(async () => {
      const { rows } = await pool.query("SELECT count(*)::int AS n FROM processed_message WHERE consumer = 'ledger.user-events' AND message_id = ANY($1)", [
        ids.flat(),
      ]);
      return rows[0].n === ids.length * 2;
    }, 30_000);
    const { rows } = await pool.query('SELECT status, count(*)::int AS n FROM accounts WHERE user_id = ANY($1) GROUP BY status', [users]);
    expect(rows).toEqual([{ status: 'frozen', n: users.length }]);
  });

  it("when a deactivated user's still-valid token reaches the on-demand account opening, then no active account is opened and money is refused", async () => {
    const userId = randomUUID();
    await deactivate(userId);
    const authorization = `Bearer ${await tokens.sign({ sub: userId, scope: 'ledger:read ledger:write', email: `ghost-${userId}@example.test`, name: 'Ghost' })}`;

    const account = await app.inject({ method: 'GET', url: '/api/account', headers: { authorization } });
    const deposit = await app.inject({
      method: 'POST',
      url: '/api/deposits',
      headers: { authorization, 'content-type': 'application/json', 'idempotency-key': randomKey() },
      payload: JSON.stringify({ amount: 100 }),
    });

    expect(account.statusCode).toBe(200);
    expect(deposit.statusCode).toBe(403);
    expect(deposit.json()).toMatchObject({ code: 'ACCOUNT_FROZEN' });
    expect(await accountsOf(userId)).toEqual([expect.objectContaining({ status: 'frozen' })]);
  });

  it('when an account is being opened while the deactivation runs (uncommitted either way), then whichever commits second sees the other and the account ends frozen', async () => {
    for (const openerFirst of [true, false]) {
      const userId = randomUUID();
      const opener = await pool.connect();
      const deactivator = await pool.connect();
      try {
        const first = openerFirst ? opener : deactivator;
        await first.query('BEGIN');
        if (openerFirst) await createAccountRepository(opener).insertIfAbsent({ userId, email: `race-${userId}@example.test`, displayName: 'Race', currency: 'EUR' });
        else await createAccountRepository(deactivator).deactivate(userId, new Date());

        const second = openerFirst
          ? deactivator.query('BEGIN').then(() => createAccountRepository(deactivator).deactivate(userId, new Date()))
          : createAccountRepository(opener).insertIfAbsent({ userId, email: `race-${userId}@example.test`, displayName: 'Race', currency: 'EUR' });
        await new Promise((resolve) => setTimeout(resolve, 200));
        await first.query('COMMIT');
        await second;
        if (openerFirst) await deactivator.query('COMMIT');
      } finally {
        opener.release();
        deactivator.release();
      }

      expect({ openerFirst, accounts: await accountsOf(userId) }).toEqual({ openerFirst, accounts: [expect.objectContaining({ status: 'frozen' })] });
    }
  });
});
