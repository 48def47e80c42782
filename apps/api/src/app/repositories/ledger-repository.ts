import type { Pool, PoolClient } from 'pg';
import type { EventDefinition, EventPayload } from '@flotilla/contracts';
import type {
  EventMetadata,
  IdempotencyClaim,
  LedgerTransaction,
  LedgerUnitOfWork,
} from '../../domain/ledger/ports';
import { ACCOUNT_COLUMNS, toAccount, type AccountRow } from './account-repository';
import { enqueueOutbox } from '@flotilla/messaging';
import { withTransaction } from './sql';

/** Writes an event to the outbox on the transaction's connection (libs/messaging). */
export type OutboxWriter = <E extends EventDefinition>(
  client: PoolClient,
  event: E,
  payload: EventPayload<E>,
  meta: EventMetadata & { readonly aggregateType: string; readonly aggregateId: string },
) => Promise<void>;

export const messagingOutbox: OutboxWriter = async (client, event, payload, meta) => {
  await enqueueOutbox(client, event, payload, {
    aggregateType: meta.aggregateType,
    aggregateId: meta.aggregateId,
    ...(meta.traceId ? { traceId: meta.traceId } : {}),
    ...(meta.correlationId ? { correlationId: meta.correlationId } : {}),
  });
};

export interface LedgerRepositoryOptions {
  readonly pool: Pool;
  readonly outbox?: OutboxWriter;
  /** Upper bound on a statement, lock waits included, so a stuck lock surfaces as a 503, not a hung request. */
  readonly statementTimeoutMs?: number;
}

export function createLedgerRepository({ pool, outbox = messagingOutbox, statementTimeoutMs = 10_000 }: LedgerRepositoryOptions): LedgerUnitOfWork {
  return {
    run(work) {
      return withTransaction(pool, (client) => work(createLedgerTransaction(client, outbox)), { statementTimeoutMs });
    },
  };
}

function createLedgerTransaction(client: PoolClient, outbox: OutboxWriter): LedgerTransaction {
  return {
    async claimIdempotencyKey({ userId, key, requestHash, ttlHours }): Promise<IdempotencyClaim> {
      // A live row wins; an expired one is taken over in the same statement (lazy expiry).
      const claimed = await client.query(
        `INSERT INTO idempotency_keys (user_id, key, request_hash, response_status, response_body, created_at, expires_at)
         VALUES ($1, $2, $3, 0, 'null', now(), now() + make_interval(hours => $4))
         ON CONFLICT (user_id, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, response_status = 0, response_body = 'null',
               created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
           WHERE idempotency_keys.expires_at <= now()
         RETURNING 1`,
        [userId, key, requestHash, ttlHours],
      );
      if (claimed.rowCount === 1) return { kind: 'claimed' };
      const { rows } = await client.query<{ request_hash: string; response_status: number; response_body: unknown }>(
        'SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE user_id = $1 AND key = $2',
        [userId, key],
      );
      const row = rows[0];
      if (!row) throw new Error('invariant: idempotency key neither claimed nor found');
      return { kind: 'existing', requestHash: row.request_hash, status: row.response_status, body: row.response_body };
    },

    async completeIdempotencyKey({ userId, key, status, body }) {
      await client.query('UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE user_id = $1 AND key = $2', [
        userId,
        key,
        status,
        JSON.stringify(body),
      ]);
    },

    async lockTransferParties(senderUserId, recipientEmail) {
      // ORDER BY runs below the row-locking step, so rows are locked in id order.
      const { rows } = await client.query<AccountRow>(
        `SELECT ${ACCOUNT_COLUMNS} FROM accounts
         WHERE kind = 'user' AND (user_id = $1 OR email = $2)
         ORDER BY id FOR UPDATE`,
        [senderUserId, recipientEmail],
      );
      const accounts = rows.map(toAccount);
      return {
        sender: accounts.find((account) => account.userId === senderUserId) ?? null,
        recipient: accounts.find((account) => account.email === recipientEmail) ?? null,
      };
    },

    async lockAccountOfUser(userId) {
      const { rows } = await client.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE user_id = $1 FOR UPDATE`, [userId]);
      return rows[0] ? toAccount(rows[0]) : null;
    },

    async sumDepositsSince(accountId, since) {
      const { rows } = await client.query<{ total: string }>(
        'SELECT COALESCE(SUM(amount), 0)::text AS total FROM deposits WHERE account_id = $1 AND created_at >= $2',
        [accountId, since],
      );
      return BigInt(rows[0]?.total ?? '0');
    },

    async insertTransfer(row) {
      await client.query(
        `INSERT INTO transfers (id, from_account_id, to_account_id, amount, currency, note, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [row.id, row.fromAccountId, row.toAccountId, row.amount.toString(), row.currency, row.note ?? null, row.createdAt],
      );
    },

    async insertDeposit(row) {
      await client.query('INSERT INTO deposits (id, account_id, amount, currency, created_at) VALUES ($1, $2, $3, $4, $5)', [
        row.id,
        row.accountId,
        row.amount.toString(),
        row.currency,
        row.createdAt,
      ]);
    },

    async postEntries(movement, entries) {
      const sum = entries.reduce((total, entry) => total + entry.amount, 0n);
      if (sum !== 0n || entries.some((entry) => entry.amount === 0n)) {
        throw new Error(`invariant: entries of movement ${movement.id} do not balance`);
      }
      // One round trip: apply every delta, then write each entry with the balance it produced.
      const { rows } = await client.query<{ account_id: string; balance_after: string }>(
        `WITH e AS (
           SELECT * FROM unnest($1::uuid[], $2::bigint[]) AS e(account_id, amount)
         ), u AS (
           UPDATE accounts a SET balance = a.balance + e.amount, updated_at = $5
           FROM e WHERE a.id = e.account_id
           RETURNING a.id, a.balance
         )
         INSERT INTO ledger_entries (movement_id, movement_kind, account_id, amount, balance_after, created_at)
         SELECT $3, $4::movement_kind, e.account_id, e.amount, u.balance, $5 FROM e JOIN u ON u.id = e.account_id
         RETURNING account_id, balance_after`,
        [
          entries.map((entry) => entry.accountId),
          entries.map((entry) => entry.amount.toString()),
          movement.id,
          movement.kind,
          movement.createdAt,
        ],
      );
      if (rows.length !== entries.length) throw new Error(`invariant: movement ${movement.id} touched a missing account`);
      return new Map(rows.map((row) => [row.account_id, BigInt(row.balance_after)]));
    },

    async insertActivity(activityRows) {
      if (activityRows.length === 0) return [];
      const values: unknown[] = [];
      const tuples = activityRows.map((row) => {
        const base = values.length;
        values.push(
          row.userId,
          row.movementId,
          row.kind,
          row.direction,
          row.amount.toString(),
          row.currency,
          row.counterparty?.userId ?? null,
          row.counterparty?.email ?? null,
          row.counterparty?.displayName ?? null,
          row.note ?? null,
          row.balanceAfter.toString(),
          row.createdAt,
        );
        const p = (i: number) => `$${base + i}`;
        return `(${p(1)}, ${p(2)}, ${p(3)}::movement_kind, ${p(4)}::direction, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)})`;
      });
      // A multi-row VALUES inserts (and draws sequences) in list order.
      const { rows } = await client.query<{ sequence: string }>(
        `INSERT INTO activity (user_id, movement_id, kind, direction, amount, currency, counterparty_user_id,
           counterparty_email, counterparty_display_name, note, balance_after, created_at)
         VALUES ${tuples.join(', ')}
         RETURNING sequence`,
        values,
      );
      return rows.map((row) => row.sequence);
    },

    enqueueEvent(event, payload, meta) {
      return outbox(client, event, payload, meta);
    },
  };
}

/** Lazy expiry reuses keys as they come back; this removes the ones that never do. */
export async function purgeExpiredIdempotencyKeys(pool: Pool, batchSize = 1000): Promise<number> {
  const { rowCount } = await pool.query(
    // expires_at again in the outer statement: a row a request took over meanwhile (new expiry)
    // is re-checked against it after the row lock wait, and survives.
    `DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1)) AND expires_at <= now()`,
    [batchSize],
  );
  return rowCount ?? 0;
}
