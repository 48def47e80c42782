import { HISTORY_PAGE_DEFAULT, type ActivityEvent, type HistoryEntry, type HistoryPage } from '@flotilla/contracts';
import { LedgerError } from './errors';
import { toJsonAmount } from './money';
import type { ActivityRow } from './ports';

export interface ActivityRecord extends ActivityRow {
  /** bigint as a decimal string: the SSE id and the feed's `after`. */
  readonly sequence: string;
}

export interface HistoryFilter {
  readonly limit: number;
  /** Only rows with a smaller sequence (the page after the cursor). */
  readonly beforeSequence?: string;
  readonly direction?: 'in' | 'out';
  readonly from?: Date;
  readonly to?: Date;
}

export interface ActivityReader {
  /** Newest first. */
  listHistory(userId: string, filter: HistoryFilter): Promise<ActivityRecord[]>;
  /** Oldest first, strictly after `afterSequence`. */
  listAfter(userId: string, afterSequence: string, limit: number): Promise<ActivityRecord[]>;
  findByMovement(userId: string, movementId: string): Promise<ActivityRecord | null>;
}

const SEQUENCE = /^(0|[1-9][0-9]{0,18})$/;

export function isSequence(value: string): boolean {
  return SEQUENCE.test(value) && BigInt(value) <= 9_223_372_036_854_775_807n;
}

/** Cursors are opaque to clients, so the paging key can change without breaking them. */
export function encodeCursor(sequence: string): string {
  return Buffer.from(`s:${sequence}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const decoded = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const sequence = decoded.startsWith('s:') ? decoded.slice(2) : '';
  if (!isSequence(sequence)) throw new LedgerError('INVALID_CURSOR', 'cursor is not one this API issued');
  return sequence;
}

export function toHistoryEntry(row: ActivityRecord): HistoryEntry {
  return {
    id: row.movementId,
    kind: row.kind,
    direction: row.direction,
    amount: toJsonAmount(row.amount),
    currency: row.currency,
    ...(row.counterparty
      ? { counterparty: { id: row.counterparty.userId, email: row.counterparty.email, displayName: row.counterparty.displayName } }
      : {}),
    ...(row.note ? { note: row.note } : {}),
    balanceAfter: toJsonAmount(row.balanceAfter),
    createdAt: row.createdAt.toISOString(),
  };
}

export function toActivityEvent(row: ActivityRecord): ActivityEvent {
  return { sequence: row.sequence, entry: toHistoryEntry(row), balance: toJsonAmount(row.balanceAfter) };
}

export interface HistoryQueryInput {
  readonly cursor?: string;
  readonly limit?: number;
  readonly direction?: 'in' | 'out';
  readonly from?: string;
  readonly to?: string;
}

export function createReadHistory({ activity }: { activity: ActivityReader }) {
  return async function readHistory(userId: string, query: HistoryQueryInput): Promise<HistoryPage> {
    const limit = query.limit ?? HISTORY_PAGE_DEFAULT;
    const rows = await activity.listHistory(userId, {
      limit: limit + 1,
      ...(query.cursor ? { beforeSequence: decodeCursor(query.cursor) } : {}),
      ...(query.direction ? { direction: query.direction } : {}),
      ...(query.from ? { from: new Date(query.from) } : {}),
      ...(query.to ? { to: new Date(query.to) } : {}),
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map(toHistoryEntry), nextCursor: rows.length > limit && last ? encodeCursor(last.sequence) : null };
  };
}
