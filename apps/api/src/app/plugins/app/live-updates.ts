import fp from 'fastify-plugin';

/** An open activity stream: told that its user has new activity, it fetches what follows its own cursor. */
export interface LiveStream {
  wake(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    liveUpdates: {
      /**
       * Registers an open SSE stream; returns the function that removes it, or null when
       * the user already holds the most streams allowed on this replica.
       */
      subscribe(userId: string, stream: LiveStream): (() => void) | null;
      /** "User U has new activity": wakes the user's streams on this replica. Reads nothing itself. */
      notify(userId: string): void;
      /** Wakes every stream, after notifications may have been lost (the broadcast queue was re-created). */
      notifyAll(): void;
      streamCount(): number;
      readonly maxStreamsPerUser: number;
    };
  }
}

export interface LiveUpdatesOptions {
  /** Open streams one user may hold on one replica (each holds a socket and a pump). */
  maxStreamsPerUser: number;
}

/**
 * The streams open on this replica, by user. A notification carries no row: the
 * database is the one source of the feed, and each stream reads it after its own
 * cursor (routes/activity-stream.ts), so a lost, duplicated or reordered
 * notification can delay an event but never drop or repeat it.
 */
export default fp<LiveUpdatesOptions>(
  async (app, options) => {
    const streams = new Map<string, Set<LiveStream>>();
    app.decorate('liveUpdates', {
      maxStreamsPerUser: options.maxStreamsPerUser,
      subscribe(userId: string, stream: LiveStream) {
        let set = streams.get(userId);
        if (!set) {
          set = new Set();
          streams.set(userId, set);
        }
        if (set.size >= options.maxStreamsPerUser) return null;
        set.add(stream);
        const own = set;
        return () => {
          own.delete(stream);
          if (own.size === 0 && streams.get(userId) === own) streams.delete(userId);
        };
      },
      notify(userId: string) {
        const open = streams.get(userId);
        if (!open) return;
        for (const stream of open) stream.wake();
      },
      notifyAll() {
        for (const open of streams.values()) for (const stream of open) stream.wake();
      },
      streamCount() {
        let count = 0;
        for (const set of streams.values()) count += set.size;
        return count;
      },
    });
  },
  { name: 'live-updates', fastify: '5.x' },
);
