import type { AccountSummary } from '@flotilla/contracts';
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { paths } from '../../../config/constants';
import { apiRequest } from '../../../lib/api-client';
import { isApiError } from '../../../lib/api-error';
import { retryTransient } from '../../../lib/query-client';

export const accountQueryKey = ['account'] as const;

/** The account is opened asynchronously after registration (an event from the auth service). */
export const ACCOUNT_NOT_READY = 'ACCOUNT_NOT_READY';
const NOT_READY_ATTEMPTS = 10;

export function useAccount() {
  return useQuery({
    queryKey: accountQueryKey,
    queryFn: ({ signal }) => apiRequest<AccountSummary>(paths.account, { signal }),
    retry: (failureCount, error) =>
      isApiError(error, ACCOUNT_NOT_READY) ? failureCount < NOT_READY_ATTEMPTS : retryTransient(failureCount, error),
  });
}

export function setBalance(queryClient: QueryClient, balance: number, updatedAt: string): void {
  queryClient.setQueryData<AccountSummary>(accountQueryKey, (current) =>
    current ? { ...current, balance, updatedAt } : current,
  );
}
