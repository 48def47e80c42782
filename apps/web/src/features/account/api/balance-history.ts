import { HISTORY_PAGE_MAX, type HistoryEntry, type HistoryPage } from '@flotilla/contracts';
import { useQuery } from '@tanstack/react-query';
import { paths } from '../../../config/constants';
import { apiRequest } from '../../../lib/api-client';
import { historyQueryKey } from '../../history/api/history';
import { windowStart } from '../lib/balance-series';

/** Enough for a busy month; past it the chart starts at the oldest entry read. */
const MAX_PAGES = 10;

/** The history of the last `days` days, every page (newest first), for the balance chart. */
export function useRecentHistory(days: number) {
  return useQuery({
    // Under the history key, so a transfer or deposit that refreshes the history refreshes the chart.
    queryKey: [...historyQueryKey, 'chart', days],
    queryFn: async ({ signal }) => {
      const from = windowStart(days, new Date()).toISOString();
      const items: HistoryEntry[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const body: HistoryPage = await apiRequest<HistoryPage>(paths.history, {
          signal,
          query: { from, limit: HISTORY_PAGE_MAX, ...(cursor ? { cursor } : {}) },
        });
        items.push(...body.items);
        if (!body.nextCursor) break;
        cursor = body.nextCursor;
      }
      return items;
    },
  });
}
