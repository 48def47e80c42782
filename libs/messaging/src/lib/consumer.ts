import { randomUUID } from 'node:crypto';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Pool, PoolClient } from 'pg';
import type { Registry } from 'prom-client';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { isDatabaseUnavailable } from '@flotilla/service-kit';
import { openChannel, type ManagedChannel, type MessagingConnection } from './connection';
import { decodeMessage, republishOptions, truncateError } from './envelope';
import { DEFAULT_INBOX_RETENTION, inboxRetentionProblem, purgeProcessedMessages, type InboxRetention } from './inbox';
import { messagingMetrics, type MessagingMetrics } from './metrics';
import { watchCheckedOutClient } from './pg-client';
import {
  assertQueueName,
  declareConsumerTopology,
  declareEventsExchange,
  decideAfterFailure,
  DEFAULT_DELIVERY_LIMIT,
  DEFAULT_RETRY_POLICY,
  parkingQueueName,
  validateRetryPolicy,
  type RetryPolicy,
} from './topology';
import { inConsumerSpan } from './trace-context';
import { DEFAULT_EVENTS_EXCHANGE, errorFields, HEADER, withFields, type EventDefinition, type EventPayloadOf, type Logger } from './types';

export interface MessageContext {
  messageId: string;
  correlationId: string;
  traceId: string;
  eventName: string;
  eventVersion: number;
  /** 1 on the first delivery, 2 on the first retry, … */
  attempt: number;
  redelivered: boolean;
  queue: string;
  /** Carries trace.id, correlation.id and event.id on every line. */
  logger: Logger;
}

export interface InboxContext extends MessageContext {
  /** The transaction that also records the message as processed: run the handler's writes on it. */
  tx: PoolClient;
}

export interface EventHandler<C extends MessageContext> {
  readonly event: EventDefinition;
  readonly handle: (payload: unknown, ctx: C) => Promise<void> | void;
}

/** A handler for a durable consumer; `ctx.tx` is its inbox transaction. */
export function onEvent<E extends EventDefinition>(
  event: E,
  handle: (payload: EventPayloadOf<E>, ctx: InboxContext) => Promise<void>,
): EventHandler<InboxContext> {
  return { event, handle: handle as EventHandler<InboxContext>['handle'] };
}

/** A handler for a broadcast (per-replica, non-durable) consumer. */
export function onBroadcast<E extends EventDefinition>(
  event: E,
  handle: (payload: EventPayloadOf<E>, ctx: MessageContext) => Promise<void> | void,
): EventHandler<MessageContext> {
  return { event, handle: handle as EventHandler<MessageContext>['handle'] };
}

/** Thrown by a handler when retrying cannot help: the message is parked at once. */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
}

export interface Consumer {
  readonly queue: string;
  /** Resolves once the topology is declared and the consumer is subscribed. */
  waitForReady(timeoutMs?: number): Promise<void>;
  /** Stops taking messages, lets in-flight ones finish (commit and ack), then closes its channels. */
  close(): Promise<void>;
}

export interface DurableConsumer extends Consumer {
  /** Deletes this consumer's inbox rows older than the retention now; also runs on its schedule. */
  purgeInbox(): Promise<number>;
}

interface CommonOptions<C extends MessageContext> {
  connection: MessagingConnection;
  logger: Logger;
  registry: Registry;
  handlers: readonly EventHandler<C>[];
  exchange?: string;
  /** Unacknowledged deliveries in flight at once. Default 16. */
  prefetch?: number;
}

export interface ConsumerOptions extends CommonOptions<InboxContext> {
  /** `<service>.<purpose>`, e.g. `ledger.user-registered`; also the inbox's consumer key. */
  queue: string;
  /** Pool for the inbox transaction (table processed_message). */
  db: Pool;
  retry?: Partial<RetryPolicy>;
  /** Redeliveries without an ack (consumer crashes) before the broker parks the message. Default 20. */
  deliveryLimit?: number;
  /** Bound on sending a message to its retry or parking queue. Default 10 s. */
  publishTimeoutMs?: number;
  /**
   * How long processed_message rows are kept and how often they are purged. The
   * retention must exceed the producers' outbox retention plus the longest retry
   * delay (checked here). Default: 48 h over a 24 h outbox, every 10 minutes.
   */
  inbox?: Partial<InboxRetention>;
  /**
   * While the database cannot be reached (connection refused or reset, SQLSTATE 08xxx,
   * 57P01–57P03…), the consumer stops taking messages and holds the failed ones, unacked
   * and with their attempts unspent, then probes the database with backoff from
   * `initialDelayMs` (default 500) to `maxDelayMs` (default 30 s) and resumes when it answers.
   */
  databaseRecovery?: { initialDelayMs?: number; maxDelayMs?: number };
}

export interface BroadcastConsumerOptions extends CommonOptions<MessageContext> {
  /** Prefix of the per-replica queue, e.g. `api.live-updates`; the metrics' queue label. */
  name: string;
  /**
   * Called each time the queue is (re)declared and consumed. The queue is exclusive and
   * auto-deleted, so whatever was published while it did not exist is gone: a subscriber
   * uses this to re-read its source of truth (the API's streams refetch after their cursors).
   */
  onSubscribed?: () => void;
}

type HandlerTable<C extends MessageContext> = Map<string, EventHandler<C>>;

function handlerTable<C extends MessageContext>(handlers: readonly EventHandler<C>[]): HandlerTable<C> {
  if (handlers.length === 0) throw new TypeError('a consumer needs at least one handler');
  const table: HandlerTable<C> = new Map();
  for (const handler of handlers) {
    const key = `${handler.event.name}@${handler.event.version}`;
    if (table.has(key)) throw new TypeError(`two handlers for ${key}`);
    table.set(key, handler);
  }
  return table;
}

type Resolved<C extends MessageContext> =
  | { ok: true; handler: EventHandler<C>; ctx: MessageContext; payload: unknown }
  | { ok: false; reason: 'malformed' | 'unknown-event' | 'invalid-payload'; error: string; eventName: string; attempt: number };

function resolveDelivery<C extends MessageContext>(
  msg: ConsumeMessage,
  table: HandlerTable<C>,
  queue: string,
  logger: Logger,
): Resolved<C> {
  const decoded = decodeMessage(msg);
  if (!decoded.ok) return { ok: false, reason: 'malformed', error: decoded.reason, eventName: 'unknown', attempt: 1 };
  const attempt = decoded.previousAttempts + 1;
  const handler = table.get(`${decoded.eventName}@${decoded.eventVersion}`);
  if (!handler) {
    const error = `no handler for ${decoded.eventName} version ${decoded.eventVersion}`;
    return { ok: false, reason: 'unknown-event', error, eventName: decoded.eventName, attempt };
  }
  const schema: TSchema = handler.event.schema;
  if (!Value.Check(schema, decoded.payload)) {
    const error = Value.Errors(schema, decoded.payload)
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}`)
      .join('; ');
    return { ok: false, reason: 'invalid-payload', error: `schema validation failed: ${error}`, eventName: decoded.eventName, attempt };
  }
  const ctx: MessageContext = {
    messageId: decoded.messageId,
    correlationId: decoded.correlationId,
    traceId: decoded.traceId,
    eventName: decoded.eventName,
    eventVersion: decoded.eventVersion,
    attempt,
    redelivered: msg.fields.redelivered,
    queue,
    logger: withFields(logger, {
      'trace.id': decoded.traceId,
      'correlation.id': decoded.correlationId,
      'event.id': decoded.messageId,
      'event.action': decoded.eventName,
      'messaging.destination.name': queue,
    }),
  };
  return { ok: true, handler, ctx, payload: decoded.payload };
}

function safeAck(channel: ConfirmChannel, msg: ConsumeMessage, logger: Logger): void {
  try {
    channel.ack(msg);
  } catch (err) {
    // The channel died with the connection: the broker redelivers the message and the inbox drops the copy.
    logger.warn('ack lost with its channel; the message will be redelivered', errorFields(err));
  }
}

/**
 * A durable consumer on a quorum queue `<service>.<purpose>` with an inbox:
 * every delivery runs in one PostgreSQL transaction that first records its
 * message id, so a redelivered message is acknowledged without being applied
 * again. Failures go to delay queues, then to `<queue>.parking`.
 */
export function createConsumer(options: ConsumerOptions): DurableConsumer {
  const { connection, db, queue } = options;
  assertQueueName(queue);
  const exchange = options.exchange ?? DEFAULT_EVENTS_EXCHANGE;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  validateRetryPolicy(policy);
  const inbox: InboxRetention = { ...DEFAULT_INBOX_RETENTION, ...options.inbox };
  const retentionProblem = inboxRetentionProblem(inbox, policy);
  if (retentionProblem) throw new TypeError(`${queue}: ${retentionProblem}`);
  const deliveryLimit = options.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT;
  const prefetch = options.prefetch ?? 16;
  const table = handlerTable(options.handlers);
  const routingKeys = [...new Set(options.handlers.map((h) => h.event.name))];
  const metrics = messagingMetrics(options.registry);
  const logger = withFields(options.logger, { 'messaging.destination.name': queue });
  const recovery = { initialDelayMs: 500, maxDelayMs: 30_000, ...options.databaseRecovery };
  const inFlight = new Set<Promise<void>>();
  let closing = false;
  let active: { channel: ConfirmChannel; consumerTag: string } | undefined;
  /** The channel the latest setup ran on: where consumption resumes after a database outage. */
  let current: ConfirmChannel | undefined;
  /** Deliveries that failed because the database was unreachable: unacked, retried once it answers. */
  let held: { channel: ConfirmChannel; msg: ConsumeMessage }[] | undefined;

  // Retry and parking copies go through their own confirm channel: the original
  // is acked only after the broker confirmed its copy, so nothing is lost.
  const republisher = openChannel(connection, {
    name: `${queue}:republish`,
    publishTimeoutMs: options.publishTimeoutMs ?? 10_000,
    setup: async () => undefined,
  });

  const consuming: ManagedChannel = openChannel(connection, {
    name: `${queue}:consume`,
    setup: async (channel) => {
      current = channel;
      await declareConsumerTopology(channel, { exchange, queue, routingKeys, policy, deliveryLimit });
      await subscribe(channel);
    },
  });

  async function subscribe(channel: ConfirmChannel): Promise<void> {
    if (closing || held) return;
    await channel.prefetch(prefetch);
    const { consumerTag } = await channel.consume(queue, (msg) => {
      if (msg === null) {
        onCancelled(channel);
        return;
      }
      track(channel, msg);
    });
    active = { channel, consumerTag };
  }

  function track(channel: ConfirmChannel, msg: ConsumeMessage): void {
    const work = inConsumerSpan(queue, msg, () => handleDelivery(channel, msg))
      .catch((err) => onUnexpected(channel, msg, err))
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  }

  /**
   * The database is down, not the message at fault: keep it (unacked, so neither an
   * attempt nor the broker's delivery count is spent), stop the subscription, and wait.
   */
  function holdUntilDatabaseAnswers(channel: ConfirmChannel, msg: ConsumeMessage, ctx: MessageContext, err: unknown): void {
    if (held) {
      held.push({ channel, msg });
      return;
    }
    held = [{ channel, msg }];
    ctx.logger.warn('the database cannot be reached; consumption paused until it answers (messages keep their attempts)', errorFields(err));
    if (active) {
      const { channel: subscribed, consumerTag } = active;
      active = undefined;
      subscribed.cancel(consumerTag).catch(() => undefined);
    }
    void probeDatabase(recovery.initialDelayMs);
  }

  async function probeDatabase(delayMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
    if (closing) return;
    try {
      await db.query('SELECT 1');
    } catch (err) {
      logger.debug('the database still cannot be reached', errorFields(err));
      void probeDatabase(Math.min(delayMs * 2, recovery.maxDelayMs));
      return;
    }
    const waiting = held ?? [];
    held = undefined;
    logger.info(`the database answers again; resuming consumption with ${waiting.length} held messages`);
    // On a channel lost meanwhile the ack fails and the broker redelivers: the inbox drops that copy.
    for (const { channel, msg } of waiting) track(channel, msg);
    if (current) await subscribe(current).catch((err) => logger.error('resuming the subscription failed', errorFields(err)));
  }

  /** A bug in this lib must not become an unhandled rejection (process exit) nor a stuck unacked message. */
  function onUnexpected(channel: ConfirmChannel, msg: ConsumeMessage, err: unknown): void {
    logger.error('unexpected error while handling a delivery; returning it to the queue', errorFields(err));
    try {
      channel.nack(msg, false, true);
    } catch {
      // Channel gone: the broker requeues it anyway.
    }
  }

  function onCancelled(channel: ConfirmChannel): void {
    active = undefined;
    if (closing) return;
    logger.warn('the broker cancelled the subscription (queue deleted or moved); subscribing again');
    const timer = setTimeout(() => {
      declareConsumerTopology(channel, { exchange, queue, routingKeys, policy, deliveryLimit })
        .then(() => subscribe(channel))
        .catch((err) => logger.error('subscribing again failed', errorFields(err)));
    }, connection.manager.reconnectTimeInSeconds * 1000);
    timer.unref();
  }

  async function sendCopy(
    channel: ConfirmChannel,
    msg: ConsumeMessage,
    target: string,
    headers: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await republisher.wrapper.sendToQueue(target, msg.content, republishOptions(msg, headers));
      return true;
    } catch (err) {
      logger.error(`could not move message to ${target}; returning it to the queue`, errorFields(err));
      try {
        channel.nack(msg, false, true);
      } catch {
        // Channel gone: the broker requeues it anyway.
      }
      return false;
    }
  }

  async function park(channel: ConfirmChannel, msg: ConsumeMessage, reason: string, error: string, attempts: number, event: string) {
    const moved = await sendCopy(channel, msg, parkingQueueName(queue), {
      [HEADER.parkingReason]: reason,
      [HEADER.lastError]: error,
      [HEADER.attempts]: attempts,
      [HEADER.parkedAt]: new Date().toISOString(),
      [HEADER.originalQueue]: queue,
    });
    if (!moved) return;
    safeAck(channel, msg, logger);
    metrics.parked.inc({ queue, reason });
    metrics.consumed.inc({ queue, event, outcome: 'parked' });
    logger.error(`message parked (${reason}): ${error}`, {
      'event.id': msg.properties.messageId,
      'event.action': event,
      'event.reason': reason,
      attempts,
    });
  }

  async function handleDelivery(channel: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
    const resolved = resolveDelivery(msg, table, queue, logger);
    if (!resolved.ok) {
      await park(channel, msg, resolved.reason, resolved.error, resolved.attempt - 1, resolved.eventName);
      return;
    }
    const { handler, ctx, payload } = resolved;
    const stopTimer = metrics.handlerDuration.startTimer({ queue });
    let outcome: 'processed' | 'duplicate';
    try {
      outcome = await runInInbox(db, queue, ctx, (tx) => handler.handle(payload, { ...ctx, tx }));
      stopTimer();
    } catch (err) {
      stopTimer();
      if (isDatabaseUnavailable(err)) {
        holdUntilDatabaseAnswers(channel, msg, ctx, err);
        return;
      }
      await onHandlerError(channel, msg, ctx, err);
      return;
    }
    safeAck(channel, msg, ctx.logger);
    metrics.consumed.inc({ queue, event: ctx.eventName, outcome });
    if (outcome === 'duplicate') ctx.logger.info('message already processed; acknowledged without applying it again');
  }

  async function onHandlerError(channel: ConfirmChannel, msg: ConsumeMessage, ctx: MessageContext, err: unknown) {
    const error = truncateError(err);
    if (err instanceof NonRetryableError) {
      await park(channel, msg, 'rejected', error, ctx.attempt, ctx.eventName);
      return;
    }
    const decision = decideAfterFailure(queue, ctx.attempt, policy);
    if (decision.action === 'park') {
      await park(channel, msg, 'retries-exhausted', error, ctx.attempt, ctx.eventName);
      return;
    }
    const moved = await sendCopy(channel, msg, decision.queue, { [HEADER.attempts]: ctx.attempt, [HEADER.lastError]: error });
    if (!moved) return;
    safeAck(channel, msg, ctx.logger);
    metrics.retried.inc({ queue });
    metrics.consumed.inc({ queue, event: ctx.eventName, outcome: 'retried' });
    ctx.logger.warn(`handler failed on attempt ${ctx.attempt}; retrying in ${decision.delayMs} ms`, errorFields(err));
  }

  const purgeInbox = () => purgeProcessedMessages(db, queue, inbox.retentionMs);
  let purgeTimer: NodeJS.Timeout | undefined;
  if (inbox.purgeIntervalMs > 0) {
    purgeTimer = setInterval(() => {
      purgeInbox()
        .then((n) => n > 0 && logger.info(`purged ${n} inbox rows older than ${inbox.retentionMs} ms`))
        .catch((err) => logger.warn('purging the inbox failed; next try on schedule', errorFields(err)));
    }, inbox.purgeIntervalMs);
    purgeTimer.unref();
  }

  return {
    queue,
    purgeInbox,
    async waitForReady(timeoutMs = 30_000) {
      await consuming.waitForSetup(timeoutMs);
    },
    async close() {
      closing = true;
      clearInterval(purgeTimer);
      if (active) {
        const { channel, consumerTag } = active;
        active = undefined;
        await channel.cancel(consumerTag).catch(() => undefined);
      }
      await Promise.allSettled([...inFlight]);
      for (const { channel, msg } of held ?? []) {
        try {
          channel.nack(msg, false, true);
        } catch {
          // Channel gone: the broker requeues it anyway.
        }
      }
      held = undefined;
      await consuming.close();
      await republisher.close();
    },
  };
}

/** Runs `work` in a transaction that first claims the message id in processed_message. */
export async function runInInbox(
  db: Pool,
  consumer: string,
  ctx: Pick<MessageContext, 'messageId'>,
  work: (tx: PoolClient) => Promise<void> | void,
): Promise<'processed' | 'duplicate'> {
  const client = await db.connect();
  const watch = watchCheckedOutClient(client);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    // A concurrent copy of the same message waits here on the primary key until the first commits.
    const claimed = await client.query('INSERT INTO processed_message (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      consumer,
      ctx.messageId,
    ]);
    if (claimed.rowCount === 0) {
      await client.query('ROLLBACK');
      return 'duplicate';
    }
    await work(client);
    await client.query('COMMIT');
    return 'processed';
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw err;
  } finally {
    watch.stop();
    client.release(broken ?? watch.lost());
  }
}

/**
 * A per-replica subscription (the API's live-update fan-out): an exclusive,
 * auto-delete queue that lives as long as the connection. No inbox and no
 * retries: these messages are notifications a client can refetch, so a failing
 * or invalid one is logged, counted and dropped.
 */
export function createBroadcastConsumer(options: BroadcastConsumerOptions): Consumer {
  const { connection, name } = options;
  assertQueueName(name);
  const exchange = options.exchange ?? DEFAULT_EVENTS_EXCHANGE;
  const table = handlerTable(options.handlers);
  const routingKeys = [...new Set(options.handlers.map((h) => h.event.name))];
  const metrics: MessagingMetrics = messagingMetrics(options.registry);
  const queue = `${name}.${randomUUID()}`;
  const logger = withFields(options.logger, { 'messaging.destination.name': queue });
  const inFlight = new Set<Promise<void>>();
  let closing = false;
  let active: { channel: ConfirmChannel; consumerTag: string } | undefined;

  const consuming = openChannel(connection, {
    name: `${name}:broadcast`,
    setup: async (channel) => {
      await declareEventsExchange(channel, exchange);
      await channel.assertQueue(queue, { exclusive: true, autoDelete: true, durable: false });
      for (const key of routingKeys) await channel.bindQueue(queue, exchange, key);
      if (closing) return;
      await channel.prefetch(options.prefetch ?? 64);
      const { consumerTag } = await channel.consume(queue, (msg) => {
        if (msg === null) return;
        const work = inConsumerSpan(queue, msg, () => handle(channel, msg))
          .catch((err) => {
            logger.error('unexpected error while handling a broadcast delivery', errorFields(err));
            safeAck(channel, msg, logger);
          })
          .finally(() => inFlight.delete(work));
        inFlight.add(work);
      });
      active = { channel, consumerTag };
      try {
        options.onSubscribed?.();
      } catch (err) {
        logger.error('onSubscribed failed', errorFields(err));
      }
    },
  });

  async function handle(channel: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
    const resolved = resolveDelivery(msg, table, name, logger);
    if (!resolved.ok) {
      logger.warn(`dropping broadcast message (${resolved.reason}): ${resolved.error}`, { 'event.id': msg.properties.messageId });
      metrics.consumed.inc({ queue: name, event: resolved.eventName, outcome: 'dropped' });
      safeAck(channel, msg, logger);
      return;
    }
    const { handler, ctx, payload } = resolved;
    const stopTimer = metrics.handlerDuration.startTimer({ queue: name });
    try {
      await handler.handle(payload, ctx);
      metrics.consumed.inc({ queue: name, event: ctx.eventName, outcome: 'processed' });
    } catch (err) {
      ctx.logger.error('broadcast handler failed; message dropped', errorFields(err));
      metrics.consumed.inc({ queue: name, event: ctx.eventName, outcome: 'failed' });
    } finally {
      stopTimer();
    }
    safeAck(channel, msg, ctx.logger);
  }

  return {
    queue,
    async waitForReady(timeoutMs = 30_000) {
      await consuming.waitForSetup(timeoutMs);
    },
    async close() {
      closing = true;
      if (active) {
        const { channel, consumerTag } = active;
        active = undefined;
        await channel.cancel(consumerTag).catch(() => undefined);
      }
      await Promise.allSettled([...inFlight]);
      await consuming.close();
    },
  };
}
