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

/**
 * Applies a balance learnt from a transfer, deposit or live event. When the
 * account is not loaded yet, or a fetch is in flight that may have been answered
 * before this change, the account is fetched again instead, so an older answer
 * cannot overwrite the newer balance.
 */
export function setBalance(queryClient: QueryClient, balance: number, updatedAt: string): void {
  const current = queryClient.getQueryData<AccountSummary>(accountQueryKey);
  if (current) queryClient.setQueryData<AccountSummary>(accountQueryKey, { ...current, balance, updatedAt });
  if (queryClient.isFetching({ queryKey: accountQueryKey }) > 0) {
    // Invalidation alone would join an in-flight first load rather than replace it.
    void queryClient
      .cancelQueries({ queryKey: accountQueryKey })
      .then(() => queryClient.invalidateQueries({ queryKey: accountQueryKey }));
  } else if (!current) {
    void queryClient.invalidateQueries({ queryKey: accountQueryKey });
  }
}
