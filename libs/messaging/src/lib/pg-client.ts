import type { PoolClient } from 'pg';

export interface ClientWatch {
  /** The connection error the client reported while checked out, if any. */
  lost(): Error | undefined;
  /** Call before release: the pool puts its own idle listener back. */
  stop(): void;
}

/**
 * node-postgres emits 'error' on a client whose connection fails (a server
 * restart, pg_terminate_backend), and pg-pool listens for it only while the
 * client is idle in the pool. Between two statements of a checked-out client
 * (a transaction awaiting the broker, say) nothing listens, and the unhandled
 * 'error' event kills the process. This listener turns it into a failed unit of
 * work: the next statement rejects, and the client is released as broken.
 */
export function watchCheckedOutClient(client: PoolClient): ClientWatch {
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on('error', onError);
  return {
    lost: () => lost,
    stop: () => {
      client.removeListener('error', onError);
    },
  };
}
