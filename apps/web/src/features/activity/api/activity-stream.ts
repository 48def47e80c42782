import { ActivityEventSchema, type ActivityEvent } from '@flotilla/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Value } from 'typebox/value';
import { paths } from '../../../config/constants';
import { apiUrl, isCrossOriginApi } from '../../../lib/api-client';
import { backoffMs } from '../../../lib/query-client';
import { accountQueryKey, setBalance } from '../../account/api/account';
import { historyQueryKey } from '../../history/api/history';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

export const ACTIVITY_EVENT = 'activity';

const bySequenceDescending = (a: ActivityEvent, b: ActivityEvent) => {
  const difference = BigInt(b.sequence) - BigInt(a.sequence);
  return difference > 0n ? 1 : difference < 0n ? -1 : 0;
};

const FEED_LIMIT = 50;

/**
 * Subscribes to the activity stream. A new stream opens with the user's most
 * recent activity, then live entries. While the connection drops and recovers,
 * EventSource reconnects by itself and resends Last-Event-ID
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model);
 * the server also ends a stream that is far behind and lets that reconnect resume it.
 * When the browser gives up (an HTTP error such as 401 or 503 closes the source),
 * this opens a new one after a backoff, with ?after=<last sequence> (a new
 * EventSource cannot send Last-Event-ID), so the server replays what was missed;
 * balance and history are refetched too, which also surfaces an expired session.
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
      // Newest first, whatever order entries arrive in (a replay after a reconnect comes oldest first).
      setEvents((current) => [event, ...current].sort(bySequenceDescending).slice(0, FEED_LIMIT));
    };

    const onActivity = (message: MessageEvent<string>) => {
      try {
        deliver(JSON.parse(message.data));
      } catch {
        // Not JSON: ignored like any other malformed message.
      }
    };

    const connect = () => {
      const query = lastSequence === undefined ? undefined : { after: lastSequence.toString() };
      const next = new EventSource(apiUrl(paths.activityStream, query), { withCredentials: isCrossOriginApi() });
      source = next;
      next.addEventListener('open', () => {
        attempt = 0;
        setStatus('live');
        if (interrupted) resync();
        interrupted = false;
      });
      next.addEventListener(ACTIVITY_EVENT, onActivity as EventListener);
      next.addEventListener('error', () => {
        interrupted = true;
        setStatus('reconnecting');
        if (next.readyState === EventSource.CLOSED) {
          next.close();
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
