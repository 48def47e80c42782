import type { Pool } from 'pg';
import { createDepositFunds } from '../domain/ledger/deposit-funds';
import type { LedgerAccount } from '../domain/ledger/ports';
import { createTransferFunds } from '../domain/ledger/transfer-funds';
import { createAccountRepository } from '../app/repositories/account-repository';
import { createLedgerRepository } from '../app/repositories/ledger-repository';
import { demoMovementId, planDemoHistory, type DemoPerson } from './demo-history';

export interface SeedDemoHistoryOptions {
  readonly pool: Pool;
  readonly people: readonly DemoPerson[];
  readonly now?: Date;
  /** How long to wait for the accounts, which the user.registered consumer opens. */
  readonly accountWaitMs?: number;
}

export interface SeedDemoHistoryResult {
  /** Movements written by this run. */
  readonly written: number;
  /** Movements of the plan that were there already. */
  readonly present: number;
}

async function waitForAccounts(pool: Pool, people: readonly DemoPerson[], waitMs: number): Promise<Map<string, LedgerAccount>> {
  const accounts = createAccountRepository(pool);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const found = new Map<string, LedgerAccount>();
    for (const person of people) {
      const account = await accounts.findByEmail(person.email);
      if (account) found.set(person.email, account);
    }
    if (found.size === people.length) return found;
    if (Date.now() > deadline) {
      const missing = people.filter((p) => !found.has(p.email)).map((p) => p.email);
      throw new Error(`no ledger account for ${missing.join(', ')} after ${waitMs} ms (is the api's user-events consumer running?)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Gives the demo people their history: the plan's deposits and transfers, each
 * through the ledger's own use cases (one transaction each: entries, balances,
 * activity, outbox event, Idempotency-Key) with the clock set to the movement's
 * time in the past. Each movement has a fixed id, so a second run finds it and
 * changes nothing, and a run cut short is finished by the next one; two runs at
 * once cannot pay twice either (same Idempotency-Key, same primary key).
 */
export async function seedDemoHistory({ pool, people, now = new Date(), accountWaitMs = 60_000 }: SeedDemoHistoryOptions): Promise<SeedDemoHistoryResult> {
  const accounts = await waitForAccounts(pool, people, accountWaitMs);
  const plan = planDemoHistory(people, now).map((movement) => ({ movement, id: demoMovementId(movement) }));
  const { rows } = await pool.query<{ id: string }>(
    'SELECT id::text FROM transfers WHERE id = ANY($1::uuid[]) UNION ALL SELECT id::text FROM deposits WHERE id = ANY($1::uuid[])',
    [plan.map((p) => p.id)],
  );
  const present = new Set(rows.map((r) => r.id));

  const uow = createLedgerRepository({ pool });
  const meta = { correlationId: 'demo-data' };
  let written = 0;
  for (const { movement, id } of plan) {
    if (present.has(id)) continue;
    const deps = { uow, clock: { now: () => movement.at }, ids: { uuid: () => id } };
    const userId = accounts.get(movement.email)?.userId;
    if (!userId) throw new Error(`${movement.email} has no user account`);
    const idempotencyKey = movement.key;
    try {
      const outcome =
        movement.kind === 'deposit'
          ? await createDepositFunds(deps)({ userId, idempotencyKey, request: { amount: movement.amount }, meta })
          : await createTransferFunds(deps)({
              userId,
              idempotencyKey,
              request: { recipientEmail: movement.recipientEmail, amount: movement.amount, note: movement.note },
              meta,
            });
      // A replay is another run's write, answered from its Idempotency-Key.
      if (!outcome.replayed) written += 1;
    } catch (error) {
      // Another run wrote it first (its primary key); the transaction rolled back whole.
      if ((error as { code?: unknown }).code !== '23505') throw error;
    }
  }
  return { written, present: present.size };
}
