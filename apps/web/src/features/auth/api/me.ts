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

/** The API's answer to a sign-out: where to end the session at the auth service too (older APIs answer 204). */
interface SignOutResponse {
  redirectTo?: string;
}

/** Only an absolute http(s) address leaves the app; anything else goes home. */
function signedOutDestination(response: SignOutResponse | undefined): string {
  const target = response?.redirectTo;
  if (typeof target !== 'string') return '/';
  try {
    const url = new URL(target);
    return url.protocol === 'https:' || url.protocol === 'http:' ? target : '/';
  } catch {
    return '/';
  }
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiRequest<SignOutResponse | undefined>(paths.logout, { method: 'POST', expireSessionOn401: false }),
    onSettled: (data, error) => {
      // A 401 means the session was already gone, which is what signing out wants.
      if (error && !(isApiError(error) && error.status === 401)) return;
      queryClient.clear();
      // The auth service's own session would otherwise sign the user straight back in on the next "Sign in".
      browser.assign(signedOutDestination(data));
    },
  });
}
