import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { Gauge, type Registry } from 'prom-client';
import type { Envelope } from './envelope';
import { newTraceId, traceOf } from './envelope';
import { DEFAULT_OUTBOX_RETENTION_MS } from './inbox';
import { watchCheckedOutClient } from './pg-client';
import type { Publisher } from './publisher';
import { assertValidPayload, PublishFailedError } from './publisher';
import { carrierForTraceId, traceIdOf, type TraceCarrier } from './trace-context';
import { errorFields, type EventDefinition, type EventPayloadOf, type Logger } from './types';

/**
 * Something that runs one SQL statement with positional parameters inside the
 * caller's transaction: a `pg` client (`query`) or a Prisma transaction client
 * (`$executeRawUnsafe`).
 */
export type SqlExecutor =
  | { query(sql: string, params: unknown[]): Promise<unknown> }
  | { $executeRawUnsafe(sql: string, ...params: unknown[]): Promise<unknown> };

export interface OutboxEntryOptions {
  aggregateType: string;
  aggregateId: string;
  traceId?: string;
  /** Stored with the row so the relay's publish joins this trace; defaults to the active span's. */
  traceContext?: TraceCarrier;
  correlationId?: string;
  /** Defaults to a new UUID; it becomes the AMQP messageId consumers deduplicate on. */
  messageId?: string;
}

const INSERT_OUTBOX = `INSERT INTO outbox_event (id, aggregate_type, aggregate_id, event_name, event_version, payload, headers)
VALUES ($1::uuid, $2, $3, $4, $5::integer, $6::jsonb, $7::jsonb)`;

/**
 * Records an event in the caller's transaction, next to the business rows it
 * describes; the relay publishes it after the commit. Throws
 * InvalidEventPayloadError on a payload that does not match its schema.
 */
export async function enqueueOutbox<E extends EventDefinition>(
  tx: SqlExecutor,
  event: E,
  payload: EventPayloadOf<E>,
  options: OutboxEntryOptions,
): Promise<{ messageId: string }> {
  assertValidPayload(event, payload);
  const messageId = options.messageId ?? randomUUID();
  const { traceId, traceContext } = traceOf(options);
  const headers = { traceId, correlationId: options.correlationId ?? messageId, ...traceContext };
  const params = [messageId, options.aggregateType, options.aggregateId, event.name, event.version, JSON.stringify(payload), JSON.stringify(headers)];
  if ('$executeRawUnsafe' in tx) await tx.$executeRawUnsafe(INSERT_OUTBOX, ...params);
  else await tx.query(INSERT_OUTBOX, params);
  return { messageId };
}

interface OutboxRow {
  id: string;
  event_name: string;
  event_version: number;
  payload: string;
  headers: ({ traceId?: string; correlationId?: string } & TraceCarrier) | null;
  created_at: Date;
}

/**
 * The oldest unsent event of each aggregate only: a later event never leaves
 * while an earlier one of its aggregate is unsent, even when another relay
 * holds that earlier one (SKIP LOCKED skips it, NOT EXISTS still sees it).
 * An event waiting for its own retry time, or dead, is not claimed, and it
 * still holds back the later events of its aggregate (and only those).
 * `ORDER BY sent_at, sequence` (sent_at is NULL throughout) lets PostgreSQL walk
 * the (sent_at, sequence) index instead of skipping every sent row.
 */
const CLAIM_BATCH = `SELECT o.id, o.event_name, o.event_version, o.payload::text AS payload, o.headers, o.created_at
FROM outbox_event o
WHERE o.sent_at IS NULL
  AND o.dead_at IS NULL
  AND o.next_attempt_at <= now()
  AND NOT EXISTS (
    SELECT 1 FROM outbox_event earlier
    WHERE earlier.aggregate_type = o.aggregate_type
      AND earlier.aggregate_id = o.aggregate_id
      AND earlier.sent_at IS NULL
      AND earlier.sequence < o.sequence)
ORDER BY o.sent_at, o.sequence
LIMIT $1
FOR UPDATE OF o SKIP LOCKED`;

const PENDING_STATS = `SELECT count(*) FILTER (WHERE dead_at IS NULL)::bigint AS pending,
  COALESCE(EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE dead_at IS NULL)), 0)::float8 AS oldest_age,
  count(*) FILTER (WHERE dead_at IS NOT NULL)::bigint AS dead
FROM outbox_event WHERE sent_at IS NULL`;

/**
 * A failure of this event (returned, nacked): one attempt spent, its own retry
 * time pushed back (doubling, capped), dead after the last attempt. `attempts`
 * on the right-hand side is the value before this update.
 */
const RECORD_EVENT_FAILURE = `UPDATE outbox_event SET
  attempts = attempts + 1,
  last_error = $2,
  next_attempt_at = now() + LEAST($3::float8 * power(2, LEAST(attempts, 30)), $4::float8) * interval '1 millisecond',
  dead_at = CASE WHEN attempts + 1 >= $5::integer THEN now() END
WHERE id = ANY($1::uuid[])
RETURNING id, aggregate_type, aggregate_id, event_name, attempts, dead_at IS NOT NULL AS dead`;

const PURGE_CHUNK = 5000;
const PURGE_INTERVAL_MS = 60_000;
const PURGE_SENT = `DELETE FROM outbox_event WHERE id IN (
  SELECT id FROM outbox_event
  WHERE sent_at IS NOT NULL AND sent_at < now() - $1::float8 * interval '1 millisecond'
  LIMIT ${PURGE_CHUNK})`;

export const OUTBOX_NOTIFY_CHANNEL = 'outbox_event';

export interface OutboxRelayOptions {
  db: Pool;
  publisher: Pick<Publisher, 'publishEnvelope' | 'isConnected'>;
  registry: Registry;
  logger: Logger;
  /** Events claimed and published per transaction. Default 1000. */
  batchSize?: number;
  /** Poll period when idle; NOTIFY wakes the relay sooner. Default 1000 ms. */
  pollIntervalMs?: number;
  /** LISTEN for the insert trigger's NOTIFY. Default true. */
  listen?: boolean;
  /** Ceiling of the pause after failed batches, or while the broker does not confirm (doubling from pollIntervalMs). Default 30 s. */
  maxBackoffMs?: number;
  /**
   * Publish attempts of one event (returned or nacked by the broker) before it is
   * marked dead: it then stays unsent, holds back the later events of its
   * aggregate, and shows in `outbox_dead_events` (alert OutboxEventDead). A
   * broker that does not answer spends no attempts. Default 20 (about an hour with the defaults below).
   */
  maxAttempts?: number;
  /** An event's first retry delay; it doubles with every attempt. Default 1 s. */
  retryDelayMs?: number;
  /** Ceiling of an event's retry delay. Default 5 min. */
  maxRetryDelayMs?: number;
  /**
   * `idle_in_transaction_session_timeout` of the relay's transactions, which stay
   * open while the broker confirms: a relay that hangs there cannot hold its row
   * locks (and the vacuum horizon) for long. Keep it above the publisher's
   * `publishTimeoutMs`. Default 60 s.
   */
  idleInTransactionTimeoutMs?: number;
  /**
   * Batches in flight at once, each in its own transaction: one claims while
   * another waits for its confirms. Order per aggregate holds as with several
   * relays. Default 2.
   */
  concurrency?: number;
  /** Sent rows are deleted after this long (0 keeps them). Default 24 h; consumers' inbox retention must exceed it. */
  retentionMs?: number;
}

export interface RelayBatchResult {
  claimed: number;
  sent: number;
  failed: number;
  /** Of the failed: events that spent their last attempt in this batch. */
  dead: number;
  /** Of the failed: no confirm in time or channel closed (broker trouble, no attempt spent). */
  unavailable: number;
}

export interface OutboxRelay {
  /** Starts the relay loop in the background. */
  start(): void;
  /** One claim → publish → mark-sent transaction. */
  relayBatch(): Promise<RelayBatchResult>;
  /** Deletes sent rows older than the retention, in bounded chunks; returns how many. */
  purgeSent(): Promise<number>;
  /** Stops the loop after the batch in progress and releases the LISTEN connection. */
  close(): Promise<void>;
}

interface OutboxGauges {
  db: Pool | undefined;
}

const gaugesByRegistry = new WeakMap<Registry, OutboxGauges>();

/**
 * Collected at scrape time from the table itself, so the lag stays visible
 * even when the relay is stuck. A failing query keeps the last value rather
 * than failing the whole scrape.
 */
function registerOutboxGauges(registry: Registry, db: Pool, logger: Logger): void {
  const existing = gaugesByRegistry.get(registry);
  if (existing) {
    existing.db = db;
    return;
  }
  const state: OutboxGauges = { db };
  gaugesByRegistry.set(registry, state);
  let last = { pending: 0, oldestAge: 0, dead: 0 };
  let inflight: Promise<void> | undefined;
  const refresh = () =>
    (inflight ??= (async () => {
      try {
        if (!state.db) return;
        const { rows } = await state.db.query<{ pending: string; oldest_age: number; dead: string }>(PENDING_STATS);
        last = { pending: Number(rows[0]?.pending ?? 0), oldestAge: rows[0]?.oldest_age ?? 0, dead: Number(rows[0]?.dead ?? 0) };
      } catch (err) {
        logger.warn('reading outbox lag failed', errorFields(err));
      } finally {
        inflight = undefined;
      }
    })());
  new Gauge({
    name: 'outbox_pending_events',
    help: 'Outbox events not yet confirmed by the broker (dead ones excluded)',
    registers: [registry],
    async collect() {
      await refresh();
      this.set(last.pending);
    },
  });
  new Gauge({
    name: 'outbox_dead_events',
    help: 'Outbox events that spent every publish attempt; each holds back the later events of its aggregate',
    registers: [registry],
    async collect() {
      await refresh();
      this.set(last.dead);
    },
  });
  new Gauge({
    name: 'outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest outbox event not yet confirmed by the broker (dead ones excluded)',
    registers: [registry],
    async collect() {
      await refresh();
      this.set(last.oldestAge);
    },
  });
}

/** The relay publishes on behalf of the row's writer: never in its own (loop) context. */
function rowTrace(traceparent: string | undefined, tracestate: string | undefined, traceId: string | undefined): Pick<Envelope, 'traceId' | 'traceContext'> {
  const carrier: TraceCarrier = traceparent ? { traceparent, ...(tracestate ? { tracestate } : {}) } : {};
  const fromParent = traceIdOf(carrier);
  if (fromParent) return { traceId: fromParent, traceContext: carrier };
  // Rows written before the trace context was stored have only traceId.
  const id = traceId ?? newTraceId();
  return { traceId: id, traceContext: carrierForTraceId(id) };
}

function toEnvelope(row: OutboxRow): Envelope {
  const { traceparent, tracestate, traceId } = row.headers ?? {};
  return {
    messageId: row.id,
    correlationId: row.headers?.correlationId ?? row.id,
    ...rowTrace(traceparent, tracestate, traceId),
    eventName: row.event_name,
    eventVersion: row.event_version,
    occurredAt: row.created_at,
    payload: undefined,
    // Sent as stored: parsing and re-serialising every payload is CPU the relay does not need to spend.
    payloadJson: row.payload,
  };
}

/**
 * Publishes committed outbox rows. Rows are marked sent in the claiming
 * transaction, only after the broker confirmed them; anything unconfirmed
 * stays unsent and goes out again later. Delivery is therefore at least once
 * (a crash between confirm and commit republishes); consumers deduplicate on
 * the message id.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, publisher, logger } = options;
  const batchSize = options.batchSize ?? 1000;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 20;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5 * 60_000;
  const idleInTransactionTimeoutMs = options.idleInTransactionTimeoutMs ?? 60_000;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new TypeError('maxAttempts must be an integer ≥ 1');
  registerOutboxGauges(options.registry, db, logger);

  const concurrency = options.concurrency ?? 2;
  const retentionMs = options.retentionMs ?? DEFAULT_OUTBOX_RETENTION_MS;
  let stopping = false;
  let loop: Promise<void> | undefined;
  const sleepers = new Set<() => void>();
  let listener: PoolClient | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;

  function wakeAll(): void {
    for (const wake of [...sleepers]) wake();
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      }
      sleepers.add(done);
    });
  }

  async function purgeSent(): Promise<number> {
    if (retentionMs <= 0) return 0;
    let total = 0;
    for (;;) {
      const { rowCount } = await db.query(PURGE_SENT, [retentionMs]);
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < PURGE_CHUNK || stopping) return total;
    }
  }

  async function relayBatch(): Promise<RelayBatchResult> {
    const client = await db.connect();
    const watch = watchCheckedOutClient(client);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // Losing this commit in a database crash only loses "sent" marks, so those
      // events go out again and consumers drop the copies; not waiting for the
      // WAL flush takes a disk sync off every batch.
      await client.query('SET LOCAL synchronous_commit = off');
      await client.query(`SELECT set_config('idle_in_transaction_session_timeout', $1, true)`, [`${idleInTransactionTimeoutMs}ms`]);
      const { rows } = await client.query<OutboxRow>(CLAIM_BATCH, [batchSize]);
      if (rows.length === 0) {
        await client.query('COMMIT');
        return { claimed: 0, sent: 0, failed: 0, dead: 0, unavailable: 0 };
      }
      // All in flight at once on one confirm channel; the broker keeps their order.
      const results = await Promise.allSettled(rows.map((row) => publisher.publishEnvelope(toEnvelope(row))));
      const sent: string[] = [];
      // Grouped by message (the id taken out), so one UPDATE covers every event that failed alike.
      const failures = new Map<string, { ids: string[]; brokerTrouble: boolean }>();
      results.forEach((result, i) => {
        const id = (rows[i] as OutboxRow).id;
        if (result.status === 'fulfilled') sent.push(id);
        else {
          const message = result.reason instanceof Error ? result.reason.message : String(result.reason);
          const brokerTrouble = result.reason instanceof PublishFailedError && result.reason.reason === 'unavailable';
          const key = `${brokerTrouble}:${message.replace(id, '<id>')}`;
          const group = failures.get(key) ?? { ids: [], brokerTrouble };
          group.ids.push(id);
          failures.set(key, group);
        }
      });
      if (sent.length > 0) {
        await client.query('UPDATE outbox_event SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1::uuid[])', [sent]);
      }
      const died: { id: string; aggregate_type: string; aggregate_id: string; event_name: string; attempts: number }[] = [];
      let unavailable = 0;
      for (const [key, { ids, brokerTrouble }] of failures) {
        const message = key.slice(key.indexOf(':') + 1).slice(0, 1000);
        if (brokerTrouble) {
          unavailable += ids.length;
          await client.query('UPDATE outbox_event SET last_error = $2 WHERE id = ANY($1::uuid[])', [ids, message]);
          continue;
        }
        const updated = await client.query<(typeof died)[number] & { dead: boolean }>(RECORD_EVENT_FAILURE, [
          ids,
          message,
          retryDelayMs,
          maxRetryDelayMs,
          maxAttempts,
        ]);
        died.push(...updated.rows.filter((row) => row.dead));
      }
      await client.query('COMMIT');
      const failed = rows.length - sent.length;
      if (failed > 0) {
        logger.warn(`outbox relay: ${failed} of ${rows.length} events not confirmed; they stay unsent and will be retried`, {
          'error.message': [...failures.keys()][0]?.replace(/^(true|false):/, ''),
        });
      }
      for (const row of died) {
        logger.error(
          `outbox event ${row.id} (${row.event_name}) is dead after ${row.attempts} attempts; later events of ${row.aggregate_type} ${row.aggregate_id} wait until it is retried (docs/runbooks.md#outboxeventdead)`,
          { 'event.id': row.id, 'event.action': row.event_name },
        );
      }
      return { claimed: rows.length, sent: sent.length, failed, dead: died.length, unavailable };
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      // The server's own reason (e.g. the idle-in-transaction timeout) beats pg's "not queryable".
      throw watch.lost() ?? err;
    } finally {
      watch.stop();
      client.release(broken ?? watch.lost());
    }
  }

  async function listen(): Promise<void> {
    while (!stopping && !listener) {
      try {
        const client = await db.connect();
        client.on('notification', () => wakeAll());
        client.on('error', (err) => {
          logger.warn('outbox LISTEN connection lost; polling until it is back', errorFields(err));
          if (listener === client) listener = undefined;
          client.release(err);
          if (!stopping) void sleepThenListen();
        });
        await client.query(`LISTEN ${OUTBOX_NOTIFY_CHANNEL}`);
        if (stopping) {
          client.release();
          return;
        }
        listener = client;
      } catch (err) {
        logger.warn('outbox LISTEN failed; polling only for now', errorFields(err));
        await new Promise((resolve) => setTimeout(resolve, maxBackoffMs).unref());
      }
    }
  }

  async function sleepThenListen() {
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs).unref());
    await listen();
  }

  async function worker(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      if (!publisher.isConnected()) {
        await sleep(pollIntervalMs);
        continue;
      }
      let result: RelayBatchResult | undefined;
      try {
        result = await relayBatch();
      } catch (err) {
        logger.error('outbox relay batch failed', errorFields(err));
      }
      // Only a failed batch or an unresponsive broker slows everything; an event
      // that fails on its own waits for its own retry time and holds back only its aggregate.
      if (!result || result.unavailable > 0) {
        failures += 1;
        await sleep(Math.min(pollIntervalMs * 2 ** Math.min(failures, 16), maxBackoffMs));
        continue;
      }
      failures = 0;
      // A batch can unblock later events of the same aggregates: go again at once.
      if (result.claimed === 0 && !stopping) await sleep(pollIntervalMs);
    }
  }

  return {
    start() {
      if (loop) return;
      stopping = false;
      if (options.listen ?? true) void listen();
      loop = Promise.all(Array.from({ length: concurrency }, () => worker())).then(() => undefined);
      if (retentionMs > 0) {
        purgeTimer = setInterval(() => {
          purgeSent().catch((err) => logger.warn('purging sent outbox rows failed', errorFields(err)));
        }, PURGE_INTERVAL_MS);
        purgeTimer.unref();
      }
    },
    relayBatch,
    purgeSent,
    async close() {
      stopping = true;
      clearInterval(purgeTimer);
      wakeAll();
      await loop;
      loop = undefined;
      const client = listener;
      listener = undefined;
      if (client) {
        await client.query(`UNLISTEN ${OUTBOX_NOTIFY_CHANNEL}`).catch(() => undefined);
        client.release();
      }
    },
  };
}
