import { QueryClient } from '@tanstack/react-query';
import { isTransient } from './api-error';

/** Exponential backoff with full jitter, capped; attempt counts from 0. */
export function backoffMs(attempt: number, baseMs = 500, capMs = 15_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

export const retryTransient = (failureCount: number, error: unknown): boolean => isTransient(error) && failureCount < 2;

export function createQueryClient(options: { retryDelay?: (attempt: number) => number } = {}): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: retryTransient,
        retryDelay: options.retryDelay ?? ((attempt) => backoffMs(attempt)),
        staleTime: 30_000,
        refetchOnWindowFocus: true,
      },
      // Money movements are never retried behind the user's back; the forms retry
      // explicitly, with the same Idempotency-Key.
      mutations: { retry: false },
    },
  });
}
