import type { HistoryEntry } from '@flotilla/contracts';

export interface DailyBalance {
  /** The local calendar day, YYYY-MM-DD. */
  day: string;
  /** The balance at the end of that day, in minor units. */
  balance: number;
}

function localDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The closing balance of each of the last `days` local days, oldest first, from
 * the history of that period (newest first, as the API returns it). Every entry
 * carries the balance after it, so a day closes on its newest entry's balance; a
 * day before any entry closes on the balance before the oldest one; with no
 * entries at all the balance has not moved.
 */
export function dailyBalances(entries: readonly HistoryEntry[], currentBalance: number, days: number, now: Date): DailyBalance[] {
  const oldest = entries.at(-1);
  const before = oldest ? oldest.balanceAfter + (oldest.direction === 'in' ? -oldest.amount : oldest.amount) : currentBalance;
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const series: DailyBalance[] = [];
  let next = entries.length - 1; // walks from the oldest entry to the newest
  let balance = before;
  for (let offset = days - 1; offset >= 0; offset -= 1) {
    const day = new Date(startOfToday.getFullYear(), startOfToday.getMonth(), startOfToday.getDate() - offset);
    const end = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1).getTime();
    while (next >= 0 && Date.parse((entries[next] as HistoryEntry).createdAt) < end) {
      balance = (entries[next] as HistoryEntry).balanceAfter;
      next -= 1;
    }
    series.push({ day: localDay(day), balance });
  }
  return series;
}

/** The first day of the window, as the history query's `from`. */
export function windowStart(days: number, now: Date): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1));
}
