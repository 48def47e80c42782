import { ActivityEventSchema, HISTORY_PAGE_MAX, type ActivityEvent, type ActivityFeed } from '@flotilla/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Value } from 'typebox/value';
import { paths } from '../../../config/constants';
import { apiRequest, apiUrl, isCrossOriginApi } from '../../../lib/api-client';
import { backoffMs } from '../../../lib/query-client';
import { accountQueryKey, setBalance } from '../../account/api/account';
import { historyQueryKey } from '../../history/api/history';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

export const ACTIVITY_EVENT = 'activity';
const FEED_LIMIT = 50;

/**
 * Subscribes to the activity stream. While the connection drops and recovers,
 * EventSource reconnects by itself and resends Last-Event-ID
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model).
 * When the browser gives up (an HTTP error such as 401 or 503 closes the source),
 * this opens a new one after a backoff. A new EventSource cannot send
 * Last-Event-ID, so once it is open the missed events are fetched from
 * GET /api/activity?after=<last sequence>, and balance and history are
 * refetched; that refetch also surfaces an expired session.
 */
export function useActivityStream(options: { reconnectDelay?: (attempt: number) => number } = {}) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [events, setEvents] = useState<ActivityEvent[]>([]);
  const delayRef = useRef(options.reconnectDelay ?? ((attempt: number) => backoffMs(attempt, 1000, 30_000)));

  useEffect(() => {
    let source: EventSource | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let interrupted = false;
    let reopened = false;
    let lastSequence: bigint | undefined;
    const seen = new Set<string>();

    const resync = () => {
      void queryClient.invalidateQueries({ queryKey: accountQueryKey });
      void queryClient.invalidateQueries({ queryKey: historyQueryKey });
    };

    const deliver = (event: unknown) => {
      if (!Value.Check(ActivityEventSchema, event) || seen.has(event.sequence)) return;
      seen.add(event.sequence);
      const sequence = BigInt(event.sequence);
      if (lastSequence === undefined || sequence > lastSequence) lastSequence = sequence;
      setBalance(queryClient, event.balance, event.entry.createdAt);
      void queryClient.invalidateQueries({ queryKey: historyQueryKey });
      setEvents((current) => [event, ...current].slice(0, FEED_LIMIT));
    };

    const onActivity = (message: MessageEvent<string>) => {
      try {
        deliver(JSON.parse(message.data));
      } catch {
        // Not JSON: ignored like any other malformed message.
      }
    };

    const catchUp = async () => {
      if (lastSequence === undefined) return;
      try {
        const feed = await apiRequest<ActivityFeed>(paths.activity, {
          query: { after: lastSequence.toString(), limit: HISTORY_PAGE_MAX },
        });
        feed.items.forEach(deliver);
      } catch {
        // The balance and history refetch still bring the page up to date.
      }
    };

    const connect = () => {
      const next = new EventSource(apiUrl(paths.activityStream), { withCredentials: isCrossOriginApi() });
      source = next;
      next.addEventListener('open', () => {
        attempt = 0;
        setStatus('live');
        if (interrupted) resync();
        if (reopened) void catchUp();
        interrupted = false;
        reopened = false;
      });
      next.addEventListener(ACTIVITY_EVENT, onActivity as EventListener);
      next.addEventListener('error', () => {
        interrupted = true;
        setStatus('reconnecting');
        if (next.readyState === EventSource.CLOSED) {
          next.close();
          reopened = true;
          resync();
          timer = setTimeout(connect, delayRef.current(attempt++));
        }
      });
    };

    connect();
    return () => {
      clearTimeout(timer);
      source?.close();
    };
  }, [queryClient]);

  return { status, events };
}
