import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { ConfigError } from '@flotilla/service-kit';
import { DEMO_DAYS, planDemoHistory, type DemoPerson } from '../../../src/demo/demo-history';
import { assertDemoAllowed, assertLocalIssuer } from '../../../src/demo/main';
import { seedDemoHistory } from '../../../src/demo/seed-demo-history';
import { createLedger, createTestPool, ledgerSnapshot } from '../../support/ledger-fixtures';

let pool: Pool;

beforeAll(() => {
  pool = createTestPool(10);
});

afterAll(async () => {
  await pool.end();
});

/** Three people with open accounts, as the user.registered consumer leaves them. */
async function openDemoPeople(): Promise<{ people: DemoPerson[]; accountIds: string[] }> {
  const ledger = createLedger(pool);
  const run = randomUUID().slice(0, 8);
  const people = ['ada', 'grace', 'alan'].map((name) => ({ email: `${name}-${run}@demo.example.test`, displayName: `${name} demo` }));
  const accountIds: string[] = [];
  for (const person of people) {
    const { account } = await ledger.openAccount({ userId: randomUUID(), ...person });
    accountIds.push(account.id);
  }
  return { people, accountIds };
}

describe('demo data', () => {
  it('gives each demo person 30 days of deposits and transfers, through the ledger with its rules', async () => {
    const { people, accountIds } = await openDemoPeople();
    const now = new Date();
    const result = await seedDemoHistory({ pool, people, now });
    const plan = planDemoHistory(people, now);
    expect(result).toEqual({ written: plan.length, present: 0 });

    const { rows: days } = await pool.query<{ account_id: string; days: number; first: Date; last: Date }>(
      `SELECT account_id, count(DISTINCT created_at::date)::int AS days, min(created_at) AS first, max(created_at) AS last
         FROM ledger_entries WHERE account_id = ANY($1::uuid[]) GROUP BY account_id`,
      [accountIds],
    );
    expect(days).toHaveLength(3);
    for (const row of days) {
      expect(row.days).toBeGreaterThanOrEqual(10);
      expect(row.first.getTime()).toBeGreaterThanOrEqual(now.getTime() - DEMO_DAYS * 86_400_000);
      expect(row.first.getTime()).toBeLessThan(now.getTime() - 25 * 86_400_000);
      expect(row.last.getTime()).toBeLessThan(now.getTime());
    }
    // Every balance is the sum of its entries, and the activity feed has a row per entry.
    const { rows: balances } = await pool.query<{ balance: string; summed: string; activity: number; entries: number }>(
      `SELECT a.balance::text,
              (SELECT COALESCE(sum(amount), 0)::text FROM ledger_entries e WHERE e.account_id = a.id) AS summed,
              (SELECT count(*)::int FROM activity v WHERE v.user_id = a.user_id) AS activity,
              (SELECT count(*)::int FROM ledger_entries e WHERE e.account_id = a.id) AS entries
         FROM accounts a WHERE a.id = ANY($1::uuid[])`,
      [accountIds],
    );
    for (const row of balances) {
      expect(row.balance).toBe(row.summed);
      expect(BigInt(row.balance)).toBeGreaterThan(0n);
      expect(row.activity).toBe(row.entries);
    }
  });

  it('changes nothing when run again, even once the Idempotency-Keys are gone', async () => {
    const { people, accountIds } = await openDemoPeople();
    const now = new Date();
    await seedDemoHistory({ pool, people, now });
    const before = await ledgerSnapshot(pool, accountIds);

    expect(await seedDemoHistory({ pool, people, now })).toEqual({ written: 0, present: planDemoHistory(people, now).length });
    // The keys expire after a day and are purged; the movements' own ids still refuse a second copy.
    await pool.query(`DELETE FROM idempotency_keys WHERE key LIKE 'demo-%' AND user_id IN (SELECT user_id FROM accounts WHERE id = ANY($1::uuid[]))`, [accountIds]);
    expect((await seedDemoHistory({ pool, people, now })).written).toBe(0);
    const after = await ledgerSnapshot(pool, accountIds);
    expect({ ...after, idempotency: before.idempotency }).toEqual(before);
  });

  it('two runs at once write each movement once', async () => {
    const { people, accountIds } = await openDemoPeople();
    const now = new Date();
    const [a, b] = await Promise.all([seedDemoHistory({ pool, people, now }), seedDemoHistory({ pool, people, now })]);
    const plan = planDemoHistory(people, now);
    expect(a.written + b.written).toBe(plan.length);
    const { rows } = await pool.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM transfers WHERE from_account_id = ANY($1::uuid[]))
             + (SELECT count(*) FROM deposits WHERE account_id = ANY($1::uuid[])))::int AS n`,
      [accountIds],
    );
    expect(rows[0]?.n).toBe(plan.length);
  });

  it('waits for the accounts the consumer opens, and says which one never came', async () => {
    const people = [{ email: `nobody-${randomUUID()}@demo.example.test`, displayName: 'nobody' }];
    await expect(seedDemoHistory({ pool, people, accountWaitMs: 300 })).rejects.toThrow(/no ledger account for nobody-/);
  });

  it('is refused when APP_ENV=production', () => {
    expect(() => assertDemoAllowed('production')).toThrow(ConfigError);
    expect(() => assertDemoAllowed('development')).not.toThrow();
  });

  it('is refused when the auth service it reaches is not a stack on this machine', () => {
    expect(() => assertLocalIssuer('https://bank.example/auth')).toThrow(/not a local one/);
    expect(() => assertLocalIssuer('http://localhost.bank.example/auth')).toThrow(ConfigError);
    expect(() => assertLocalIssuer(undefined)).toThrow(ConfigError);
    expect(() => assertLocalIssuer('http://localhost:8080/auth')).not.toThrow();
    expect(() => assertLocalIssuer('http://127.0.0.1:8117/auth')).not.toThrow();
  });
});
