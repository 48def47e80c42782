import type { Pool } from 'pg';
import { retryDelays, type RetryPolicy } from './topology';

const HOUR_MS = 60 * 60 * 1000;

/** How long an outbox keeps a sent row unless told otherwise (the relay's `retentionMs`). */
export const DEFAULT_OUTBOX_RETENTION_MS = 24 * HOUR_MS;

/**
 * How long a consumer remembers the message ids it applied (table processed_message).
 * A copy of a message can still arrive while its outbox row exists (a relay that lost
 * the confirm publishes it again) and, after that, for as long as a retry copy waits in
 * a delay queue. Forgetting an id sooner would apply that copy twice, so the retention
 * must be longer than the producers' outbox retention plus the longest retry delay.
 */
export interface InboxRetention {
  /** Rows older than this are purged. */
  retentionMs: number;
  /** The longest any producer of this queue's events keeps a sent outbox row. */
  outboxRetentionMs: number;
  /** How often this process purges; 0 leaves it to another process or a job. */
  purgeIntervalMs: number;
}

export const DEFAULT_INBOX_RETENTION: InboxRetention = {
  retentionMs: 2 * DEFAULT_OUTBOX_RETENTION_MS,
  outboxRetentionMs: DEFAULT_OUTBOX_RETENTION_MS,
  purgeIntervalMs: 10 * 60 * 1000,
};

/** The longest a retry copy waits before it is delivered again. */
export function longestRetryDelayMs(policy: RetryPolicy): number {
  return Math.max(0, ...retryDelays(policy));
}

/** Why this inbox retention could apply a message twice, or undefined when it cannot. */
export function inboxRetentionProblem(retention: Pick<InboxRetention, 'retentionMs' | 'outboxRetentionMs'>, policy: RetryPolicy): string | undefined {
  const minimum = retention.outboxRetentionMs + longestRetryDelayMs(policy);
  if (retention.retentionMs > minimum) return undefined;
  return (
    `inbox retention (${retention.retentionMs} ms) must be longer than the outbox retention (${retention.outboxRetentionMs} ms) ` +
    `plus the longest retry delay (${longestRetryDelayMs(policy)} ms)`
  );
}

const PURGE_PROCESSED = `
  DELETE FROM processed_message
  WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM processed_message
    WHERE consumer = $1 AND processed_at < now() - make_interval(secs => $2::double precision / 1000)
    LIMIT $3
  ))`;

/** Deletes one consumer's inbox rows older than the retention, in bounded chunks; returns how many. */
export async function purgeProcessedMessages(db: Pool, consumer: string, retentionMs: number, batchSize = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(PURGE_PROCESSED, [consumer, retentionMs, batchSize]);
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return total;
  }
}
