import fp from 'fastify-plugin';
import type { ActivityEvent } from '@flotilla/contracts';
import { toActivityEvent } from '../../../domain/ledger/history';

export interface LiveStream {
  send(event: ActivityEvent): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    liveUpdates: {
      /** Registers an open SSE stream; returns the function that removes it. */
      subscribe(userId: string, stream: LiveStream): () => void;
      /** Pushes the user's activity row for this movement to the user's streams on this replica. */
      notify(userId: string, movementId: string): Promise<void>;
      streamCount(): number;
    };
  }
}

/**
 * The streams open on this replica, by user. An event from the broker is turned
 * into the user's activity row (read from the database, so the SSE id is the
 * same sequence the feed and Last-Event-ID resume use) and written to each one.
 */
export default fp(
  async (app) => {
    const streams = new Map<string, Set<LiveStream>>();
    app.decorate('liveUpdates', {
      subscribe(userId: string, stream: LiveStream) {
        let set = streams.get(userId);
        if (!set) {
          set = new Set();
          streams.set(userId, set);
        }
        set.add(stream);
        return () => {
          set.delete(stream);
          if (set.size === 0 && streams.get(userId) === set) streams.delete(userId);
        };
      },
      async notify(userId: string, movementId: string) {
        const open = streams.get(userId);
        if (!open || open.size === 0) return;
        const row = await app.ledger.activity.findByMovement(userId, movementId);
        if (!row) return;
        const event = toActivityEvent(row);
        for (const stream of open) stream.send(event);
      },
      streamCount() {
        let count = 0;
        for (const set of streams.values()) count += set.size;
        return count;
      },
    });
  },
  { name: 'live-updates', fastify: '5.x', dependencies: ['ledger'] },
);
