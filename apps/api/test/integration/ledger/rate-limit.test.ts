import type { Pool } from 'pg';
import type { KitInstance } from '@flotilla/service-kit';
import { buildTestApp } from '../../helper';
import { createFundedUser, createTestPool, randomKey } from '../../support/ledger-fixtures';
import { createTestTokenIssuer, type TestTokenIssuer } from '../../support/tokens';

let app: KitInstance;
let pool: Pool;
let tokens: TestTokenIssuer;

beforeAll(async () => {
  tokens = await createTestTokenIssuer();
  app = await buildTestApp({ MONEY_RATE_LIMIT_PER_MINUTE: '2' }, { accessTokenVerifier: tokens.verifier });
  pool = createTestPool(2);
});

afterAll(async () => {
  await app.close();
  await pool.end();
});

describe('rate limits on money-moving routes', () => {
  it('when a user exceeds the per-minute limit, then 429 in the error shape, and another user is unaffected', async () => {
    const [dave, erin] = await Promise.all([createFundedUser(pool, 0, 'dave'), createFundedUser(pool, 0, 'erin')]);
    const deposit = async (userId: string) =>
      app.inject({
        method: 'POST',
        url: '/api/deposits',
        headers: {
          authorization: `Bearer ${await tokens.sign({ sub: userId, scope: 'ledger:write' })}`,
          'idempotency-key': randomKey(),
          'content-type': 'application/json',
        },
        payload: { amount: 100 },
      });

    const statuses = [(await deposit(dave.userId)).statusCode, (await deposit(dave.userId)).statusCode];
    const limited = await deposit(dave.userId);
    const other = await deposit(erin.userId);

    expect(statuses).toEqual([201, 201]);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ statusCode: 429, code: expect.any(String), message: expect.any(String) });
    expect(limited.headers['retry-after']).toBeDefined();
    expect(other.statusCode).toBe(201);
  });
});
