import type { HistoryEntry } from '@flotilla/contracts';
import { toHistoryEntry, type ActivityReader, type HistoryFilter } from './history';

/** Rows read per query while streaming: memory stays flat however long the period. */
export const EXPORT_BATCH = 500;

export const HISTORY_CSV_COLUMNS = [
  'date',
  'id',
  'kind',
  'direction',
  'amount_minor',
  'currency',
  'counterparty_email',
  'counterparty_name',
  'note',
  'balance_after_minor',
] as const;

// A cell that a spreadsheet would read as a formula (OWASP "CSV Injection"):
// it starts with =, +, -, @, a tab or a carriage return.
const FORMULA_START = /^[=+\-@\t\r]/u;
// RFC 4180 §2.6: a field holding a comma, a double quote or a line break is quoted.
const NEEDS_QUOTES = /[",\r\n]/u;

/**
 * One CSV field (RFC 4180 §2.5–2.7). Text that could start a formula gets a
 * leading apostrophe, which spreadsheets show as text; the field is then quoted
 * so the apostrophe cannot be mistaken for a delimiter.
 */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(guarded) || guarded !== value ? `"${guarded.replace(/"/gu, '""')}"` : guarded;
}

/** One CSV record, CRLF-terminated (RFC 4180 §2.1). */
export function csvRecord(values: readonly (string | number | undefined)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

export function historyCsvRecord(entry: HistoryEntry): string {
  return csvRecord([
    entry.createdAt,
    entry.id,
    entry.kind,
    entry.direction,
    entry.amount,
    entry.currency,
    entry.counterparty?.email,
    entry.counterparty?.displayName,
    entry.note,
    entry.balanceAfter,
  ]);
}

export type HistoryExportFilter = Omit<HistoryFilter, 'limit' | 'beforeSequence'>;

/**
 * The history for a period, newest first like the history view, as CSV text in
 * chunks: a header, then one batch of records per query, each batch read after
 * the previous one's last sequence (the same keyset paging as the view's cursor).
 * The first batch is read before anything is returned, so a database error is
 * still an HTTP error, not a truncated file.
 */
export async function exportHistoryCsv(
  activity: ActivityReader,
  userId: string,
  filter: HistoryExportFilter,
  batch = EXPORT_BATCH,
): Promise<AsyncIterable<string>> {
  const first = await activity.listHistory(userId, { ...filter, limit: batch });
  return (async function* chunks() {
    yield csvRecord(HISTORY_CSV_COLUMNS);
    let rows = first;
    while (rows.length > 0) {
      yield rows.map((row) => historyCsvRecord(toHistoryEntry(row))).join('');
      const last = rows.at(-1);
      if (rows.length < batch || !last) return;
      rows = await activity.listHistory(userId, { ...filter, limit: batch, beforeSequence: last.sequence });
    }
  })();
}

/** attachment; filename="flotilla-history-2026-11-01-to-2026-12-01.csv" (RFC 6266). */
export function historyCsvFilename(from: string | undefined, to: string | undefined, now: Date): string {
  const day = (iso: string) => iso.slice(0, 10);
  return `flotilla-history-${from ? day(from) : 'start'}-to-${day(to ?? now.toISOString())}.csv`;
}
