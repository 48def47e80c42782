import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createMessagingConnection } from '../../src/lib/connection';
import { createConsumer, onEvent } from '../../src/lib/consumer';
import { createOutboxRelay, enqueueOutbox } from '../../src/lib/outbox';
import { createPublisher, InvalidEventPayloadError } from '../../src/lib/publisher';
import {
  AMQP_URL,
  consumerQueues,
  countRows,
  DATABASE_URL,
  metricValue,
  newRegistry,
  recordingLogger,
  testEvent,
  uniqueName,
  waitFor,
  useBrokerFixture,
} from './support';

describe('outbox relay', () => {
  const logger = recordingLogger();
  const fx = useBrokerFixture({ logger, databasePerTest: true });

  async function enqueueMany(event: ReturnType<typeof testEvent>, aggregates: number, perAggregate: number): Promise<void> {
    const client = await fx.db.pool.connect();
    try {
      await client.query('BEGIN');
      for (let seq = 0; seq < perAggregate; seq++) {
        for (let a = 0; a < aggregates; a++) {
          await enqueueOutbox(client, event, { thingId: `agg-${a}`, amount: seq + 1 }, { aggregateType: 'thing', aggregateId: `agg-${a}` });
        }
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }

  async function tapQueue(exchange: string, routingKey: string): Promise<string> {
    const { queue } = await fx.probe.channel.assertQueue('', { exclusive: true });
    await fx.probe.channel.bindQueue(queue, exchange, routingKey);
    return queue;
  }

  it('when a transaction commits events, then the relay publishes them with their ids and marks them sent; a rolled-back one never leaves', async () => {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const event = testEvent();
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange });
    await publisher.waitForReady(10_000);
    const tap = await tapQueue(exchange, event.name);
    const client = await fx.db.pool.connect();
    await client.query('BEGIN');
    const { messageId } = await enqueueOutbox(client, event, { thingId: 'o-1', amount: 3 }, {
      aggregateType: 'thing',
      aggregateId: 'o-1',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      correlationId: 'corr-o-1',
    });
    await client.query('COMMIT');
    await client.query('BEGIN');
    await enqueueOutbox(client, event, { thingId: 'o-2', amount: 3 }, { aggregateType: 'thing', aggregateId: 'o-2' });
    await client.query('ROLLBACK');
    client.release();
    const relay = createOutboxRelay({ db: fx.db.pool, publisher, registry, logger, pollIntervalMs: 100 });

    const result = await relay.relayBatch();

    expect(result).toEqual({ claimed: 1, sent: 1, failed: 0, dead: 0, unavailable: 0 });
    const msg = await waitFor(() => fx.probe.get(tap), (m) => m !== undefined);
    expect(msg?.properties).toMatchObject({ messageId, correlationId: 'corr-o-1', headers: { 'x-trace-id': '0af7651916cd43dd8448eb211c80319c' } });
    expect(JSON.parse(msg?.content.toString() ?? '')).toEqual({ thingId: 'o-1', amount: 3 });
    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM outbox_event WHERE sent_at IS NOT NULL AND attempts = 1')).toBe(1);
    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM outbox_event')).toBe(1);
    expect(await fx.probe.depth(tap)).toBe(0);
    await relay.close();
    await publisher.close();
  });

  it('when a payload does not match its schema, then enqueueing throws and writes nothing', async () => {
    const event = testEvent();
    const bad = { thingId: 'x', amount: 0 };

    await expect(enqueueOutbox(fx.db.pool, event, bad, { aggregateType: 'thing', aggregateId: 'x' })).rejects.toBeInstanceOf(InvalidEventPayloadError);

    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM outbox_event')).toBe(0);
  });

  it('when events wait in the outbox, then the gauges show how many and how old, and drop to zero once relayed', async () => {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const event = testEvent();
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange });
    await enqueueMany(event, 3, 2);
    await publisher.waitForReady(10_000);
    await tapQueue(exchange, event.name);
    await fx.db.pool.query(`UPDATE outbox_event SET created_at = now() - interval '90 seconds' WHERE sequence = (SELECT min(sequence) FROM outbox_event)`);
    const relay = createOutboxRelay({ db: fx.db.pool, publisher, registry, logger });

    expect(await metricValue(registry, 'outbox_pending_events')).toBe(6);
    expect(await metricValue(registry, 'outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(90);

    await relay.relayBatch();
    await relay.relayBatch();
    expect(await metricValue(registry, 'outbox_pending_events')).toBe(0);
    expect(await metricValue(registry, 'outbox_oldest_pending_age_seconds')).toBe(0);
    await relay.close();
    await publisher.close();
  });

  it('when an aggregate has several unsent events, then a batch takes only its oldest and the consumer sees them in order', async () => {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const queue = uniqueName('ordered');
    const event = testEvent();
    fx.probe.forget(...consumerQueues(queue, [1000]));
    const consumer = createConsumer({
      connection: fx.connection,
      logger,
      registry,
      db: fx.db.pool,
      exchange,
      queue,
      prefetch: 1,
      retry: { maxAttempts: 2, delaysMs: [1000] },
      handlers: [
        onEvent(event, async (payload, ctx) => {
          await ctx.tx.query('INSERT INTO applied_effect (message_id, aggregate_id, seq) VALUES ($1, $2, $3)', [ctx.messageId, payload.thingId, payload.amount]);
        }),
      ],
    });
    await consumer.waitForReady(10_000);
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange });
    await publisher.waitForReady(10_000);
    await enqueueMany(event, 4, 10);
    const relay = createOutboxRelay({ db: fx.db.pool, publisher, registry, logger, batchSize: 100 });

    const first = await relay.relayBatch();
    expect(first.claimed).toBe(4);
    relay.start();

    await waitFor(() => countRows(fx.db.pool, 'SELECT count(*) AS n FROM applied_effect'), (n) => n === 40, 20_000, '40 applied events');
    const { rows } = await fx.db.pool.query<{ aggregate_id: string; seqs: number[] }>(
      'SELECT aggregate_id, array_agg(seq ORDER BY id) AS seqs FROM applied_effect GROUP BY aggregate_id ORDER BY aggregate_id',
    );
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await relay.close();
    await consumer.close();
    await publisher.close();
  });

  it('when two relay instances share one outbox, then every event is published exactly once', async () => {
    const exchange = uniqueName('events');
    const event = testEvent();
    const setupPublisher = createPublisher({ connection: fx.connection, logger, registry: newRegistry(), exchange });
    await setupPublisher.waitForReady(10_000);
    const tap = await tapQueue(exchange, event.name);
    await enqueueMany(event, 60, 5);
    const instances = [0, 1].map(() => {
      const registry = newRegistry();
      const instanceConnection = createMessagingConnection({ url: AMQP_URL, logger, name: 'messaging-test-relay' });
      const publisher = createPublisher({ connection: instanceConnection, logger, registry, exchange });
      const pool = new Pool({ connectionString: DATABASE_URL, options: `-c search_path=${fx.db.schema}`, max: 4 });
      const relay = createOutboxRelay({ db: pool, publisher, registry, logger, batchSize: 7, pollIntervalMs: 50 });
      return { registry, instanceConnection, publisher, pool, relay };
    });
    await Promise.all(instances.map((i) => i.publisher.waitForReady(10_000)));

    for (const instance of instances) instance.relay.start();

    await waitFor(() => countRows(fx.db.pool, 'SELECT count(*) AS n FROM outbox_event WHERE sent_at IS NULL'), (n) => n === 0, 30_000, 'an empty outbox');
    await waitFor(() => fx.probe.depth(tap), (n) => n === 300, 5000, '300 messages');
    const ids = new Set<string>();
    for (let i = 0; i < 300; i++) ids.add(String((await fx.probe.get(tap))?.properties.messageId));
    expect(ids.size).toBe(300);
    expect(await fx.probe.depth(tap)).toBe(0);
    const perInstance = await Promise.all(instances.map((i) => metricValue(i.registry, 'messaging_confirmed_total')));
    expect(perInstance.reduce((sum, n) => sum + n, 0)).toBe(300);
    expect(perInstance.every((n) => n > 0)).toBe(true);
    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM outbox_event WHERE attempts <> 1')).toBe(0);
    for (const instance of instances) {
      await instance.relay.close();
      await instance.publisher.close();
      await instance.instanceConnection.close();
      await instance.pool.end();
    }
    await setupPublisher.close();
  });

  it('when a transaction commits an event, then NOTIFY wakes the idle relay long before its next poll', async () => {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const event = testEvent();
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange });
    await publisher.waitForReady(10_000);
    const tap = await tapQueue(exchange, event.name);
    const relay = createOutboxRelay({ db: fx.db.pool, publisher, registry, logger, pollIntervalMs: 30_000 });
    relay.start();
    // Let the workers find the outbox empty and go to sleep for their 30 s poll.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();

    await enqueueOutbox(fx.db.pool, event, { thingId: 'n-1', amount: 1 }, { aggregateType: 'thing', aggregateId: 'n-1' });

    await waitFor(() => fx.probe.depth(tap), (n) => n === 1, 5000, 'the notified event');
    expect(Date.now() - started).toBeLessThan(5000);
    await relay.close();
    await publisher.close();
  });

  it('when sent rows are older than the retention, then they are purged and unsent ones stay', async () => {
    const registry = newRegistry();
    const event = testEvent();
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange: uniqueName('events') });
    await enqueueMany(event, 3, 1);
    await fx.db.pool.query(`UPDATE outbox_event SET sent_at = now() - interval '2 hours' WHERE aggregate_id IN ('agg-0', 'agg-1')`);
    await fx.db.pool.query(`UPDATE outbox_event SET sent_at = now() - interval '10 minutes' WHERE aggregate_id = 'agg-2'`);
    await enqueueMany(event, 1, 1);
    const relay = createOutboxRelay({ db: fx.db.pool, publisher, registry, logger, retentionMs: 60 * 60 * 1000 });

    expect(await relay.purgeSent()).toBe(2);

    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM outbox_event')).toBe(2);
    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM outbox_event WHERE sent_at IS NULL')).toBe(1);
    await relay.close();
    await publisher.close();
  });

  it('when a row is enqueued through a Prisma-style raw executor, then it is stored like a pg one', async () => {
    const event = testEvent();
    const prismaLike = {
      $executeRawUnsafe: async (sql: string, ...params: unknown[]) => (await fx.db.pool.query(sql, params)).rowCount ?? 0,
    };
    const messageId = randomUUID();

    await enqueueOutbox(prismaLike, event, { thingId: 'p-1', amount: 2 }, { aggregateType: 'thing', aggregateId: 'p-1', messageId });

    const { rows } = await fx.db.pool.query('SELECT event_name, event_version, payload, headers FROM outbox_event WHERE id = $1', [messageId]);
    expect(rows[0]).toMatchObject({ event_name: event.name, event_version: 1, payload: { thingId: 'p-1', amount: 2 }, headers: { correlationId: messageId } });
  });
});
