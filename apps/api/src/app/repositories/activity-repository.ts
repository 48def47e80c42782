import type { ActivityReader, ActivityRecord } from '../../domain/ledger/history';
import type { SqlExecutor } from './sql';

interface ActivityDbRow {
  sequence: string;
  user_id: string;
  movement_id: string;
  kind: 'transfer' | 'deposit';
  direction: 'in' | 'out';
  amount: string;
  currency: string;
  counterparty_user_id: string | null;
  counterparty_email: string | null;
  counterparty_display_name: string | null;
  note: string | null;
  balance_after: string;
  created_at: Date;
}

const COLUMNS = `sequence, user_id, movement_id, kind, direction, amount, currency, counterparty_user_id,
  counterparty_email, counterparty_display_name, note, balance_after, created_at`;

function toRecord(row: ActivityDbRow): ActivityRecord {
  return {
    sequence: row.sequence,
    userId: row.user_id,
    movementId: row.movement_id,
    kind: row.kind,
    direction: row.direction,
    amount: BigInt(row.amount),
    currency: row.currency,
    ...(row.counterparty_user_id
      ? {
          counterparty: {
            userId: row.counterparty_user_id,
            email: row.counterparty_email ?? '',
            displayName: row.counterparty_display_name ?? '',
          },
        }
      : {}),
    ...(row.note ? { note: row.note } : {}),
    balanceAfter: BigInt(row.balance_after),
    createdAt: row.created_at,
  };
}

export function createActivityRepository(db: SqlExecutor): ActivityReader {
  return {
    async listHistory(userId, filter) {
      const values: unknown[] = [userId];
      const where = ['user_id = $1'];
      if (filter.beforeSequence) {
        values.push(filter.beforeSequence);
        where.push(`sequence < $${values.length}`);
      }
      if (filter.direction) {
        values.push(filter.direction);
        where.push(`direction = $${values.length}::direction`);
      }
      if (filter.from) {
        values.push(filter.from);
        where.push(`created_at >= $${values.length}`);
      }
      if (filter.to) {
        values.push(filter.to);
        where.push(`created_at < $${values.length}`);
      }
      values.push(filter.limit);
      const { rows } = await db.query<ActivityDbRow>(
        `SELECT ${COLUMNS} FROM activity WHERE ${where.join(' AND ')} ORDER BY sequence DESC LIMIT $${values.length}`,
        values,
      );
      return rows.map(toRecord);
    },
    async listAfter(userId, afterSequence, limit) {
      const { rows } = await db.query<ActivityDbRow>(
        `SELECT ${COLUMNS} FROM activity WHERE user_id = $1 AND sequence > $2 ORDER BY sequence ASC LIMIT $3`,
        [userId, afterSequence, limit],
      );
      return rows.map(toRecord);
    },
    async findByMovement(userId, movementId) {
      const { rows } = await db.query<ActivityDbRow>(`SELECT ${COLUMNS} FROM activity WHERE user_id = $1 AND movement_id = $2`, [
        userId,
        movementId,
      ]);
      return rows[0] ? toRecord(rows[0]) : null;
    },
  };
}
