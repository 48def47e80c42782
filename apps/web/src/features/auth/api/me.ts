import type { MeResponse } from '@flotilla/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { paths } from '../../../config/constants';
import { apiRequest } from '../../../lib/api-client';
import { isApiError } from '../../../lib/api-error';
import { browser } from '../../../lib/browser';
import { handleSessionExpired } from '../../../lib/session';

export const meQueryKey = ['me'] as const;

/** null: nobody is signed in (a 401 here is an answer, not an expired session). */
export async function getMe(signal?: AbortSignal): Promise<MeResponse | null> {
  try {
    return await apiRequest<MeResponse>(paths.me, { signal, expireSessionOn401: false });
  } catch (error) {
    if (isApiError(error) && error.status === 401) return null;
    throw error;
  }
}

export function useMe() {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: meQueryKey,
    queryFn: async ({ signal }) => {
      const me = await getMe(signal);
      const before = queryClient.getQueryData<MeResponse | null>(meQueryKey);
      if (me === null && before) {
        // Signed in a moment ago: the session expired (e.g. found on a refetch
        // after the tab was idle). Decided here, while the dashboard and its
        // drafts are still mounted, and the old answer is kept until the
        // browser has left for sign-in, so nothing flashes or is lost.
        handleSessionExpired();
        return before;
      }
      return me;
    },
    staleTime: 5 * 60_000,
  });
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiRequest<void>(paths.logout, { method: 'POST', expireSessionOn401: false }),
    onSettled: (_data, error) => {
      // A 401 means the session was already gone, which is what signing out wants.
      if (error && !(isApiError(error) && error.status === 401)) return;
      queryClient.clear();
      browser.assign('/');
    },
  });
}
