import { HISTORY_PAGE_DEFAULT, type Direction, type HistoryPage } from '@flotilla/contracts';
import { useInfiniteQuery } from '@tanstack/react-query';
import { paths } from '../../../config/constants';
import { apiRequest } from '../../../lib/api-client';

export const historyQueryKey = ['history'] as const;

export interface HistoryFilters {
  direction?: Direction;
  /** ISO timestamps (inclusive bounds). */
  from?: string;
  to?: string;
}

export function useHistory(filters: HistoryFilters, options: { enabled?: boolean } = {}) {
  return useInfiniteQuery({
    queryKey: [...historyQueryKey, filters],
    queryFn: ({ pageParam, signal }) =>
      apiRequest<HistoryPage>(paths.history, {
        signal,
        query: { ...filters, cursor: pageParam, limit: HISTORY_PAGE_DEFAULT },
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (lastPage) => lastPage.nextCursor ?? undefined,
    enabled: options.enabled ?? true,
  });
}
