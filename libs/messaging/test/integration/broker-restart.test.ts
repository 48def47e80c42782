import { brokerReadinessCheck, createMessagingConnection } from '../../src/lib/connection';
import { createConsumer, onEvent } from '../../src/lib/consumer';
import { createOutboxRelay, enqueueOutbox } from '../../src/lib/outbox';
import { createPublisher } from '../../src/lib/publisher';
import {
  AMQP_URL,
  brokerProbe,
  consumerQueues,
  countRows,
  createTestDatabase,
  newRegistry,
  rabbitmqctl,
  recordingLogger,
  testEvent,
  uniqueName,
  waitFor,
} from './support';

const EVENTS = 1000;
const AGGREGATES = 100;

describe('broker restart during relay', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    // Leave the broker running for whatever comes next, even when the test failed half-way.
    await rabbitmqctl('start_app').catch(() => undefined);
    await rabbitmqctl('await_startup', '--timeout', '60').catch(() => undefined);
    await db.drop();
  });

  it('when RabbitMQ stops and starts while the relay publishes 1,000 outbox events, then exactly 1,000 distinct events are applied', async () => {
    const logger = recordingLogger();
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const queue = uniqueName('restart');
    const event = testEvent();
    const consumerConnection = createMessagingConnection({ url: AMQP_URL, logger, name: 'messaging-test-consumer', reconnectTimeInSeconds: 0.5 });
    const relayConnection = createMessagingConnection({ url: AMQP_URL, logger, name: 'messaging-test-relay', reconnectTimeInSeconds: 0.5 });
    const consumer = createConsumer({
      connection: consumerConnection,
      logger,
      registry,
      db: db.pool,
      exchange,
      queue,
      prefetch: 20,
      retry: { maxAttempts: 3, delaysMs: [200] },
      handlers: [
        onEvent(event, async (payload, ctx) => {
          await ctx.tx.query('INSERT INTO applied_effect (message_id, aggregate_id, seq) VALUES ($1, $2, $3)', [ctx.messageId, payload.thingId, payload.amount]);
        }),
      ],
    });
    await consumer.waitForReady(10_000);
    const publisher = createPublisher({ connection: relayConnection, logger, registry, exchange, publishTimeoutMs: 3000 });
    await publisher.waitForReady(10_000);
    // Half the outbox now, half while the broker is down: on a quiet machine the relay
    // can publish every row before stop_app returns, and then nothing is left to
    // exercise the restart (seen in CI). Rows written during the outage always are.
    const enqueue = async (fromSeq: number, toSeq: number) => {
      const client = await db.pool.connect();
      await client.query('BEGIN');
      for (let seq = fromSeq; seq <= toSeq; seq++) {
        for (let a = 0; a < AGGREGATES; a++) {
          await enqueueOutbox(client, event, { thingId: `agg-${a}`, amount: seq }, { aggregateType: 'thing', aggregateId: `agg-${a}` });
        }
      }
      await client.query('COMMIT');
      client.release();
    };
    const half = EVENTS / AGGREGATES / 2;
    await enqueue(1, half);
    // Small batches keep the relay busy long enough for the broker to go away mid-stream.
    const relay = createOutboxRelay({ db: db.pool, publisher, registry, logger, batchSize: 10, pollIntervalMs: 100, maxBackoffMs: 1000 });
    const sent = () => countRows(db.pool, 'SELECT count(*) AS n FROM outbox_event WHERE sent_at IS NOT NULL');

    relay.start();
    await waitFor(sent, (n) => n >= 100, 20_000, '100 sent events');
    await rabbitmqctl('stop_app');
    await enqueue(half + 1, EVENTS / AGGREGATES);
    const sentWhenStopped = await sent();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const readinessWhileDown = await brokerReadinessCheck(relayConnection)(AbortSignal.timeout(1000)).then(
      () => 'ready',
      (err: Error) => err.name,
    );
    await rabbitmqctl('start_app');

    await waitFor(() => countRows(db.pool, 'SELECT count(*) AS n FROM applied_effect'), (n) => n >= EVENTS, 60_000, `${EVENTS} applied events`);
    await waitFor(sent, (n) => n === EVENTS, 10_000, 'every outbox row marked sent');
    expect(sentWhenStopped).toBeLessThan(EVENTS);
    expect(readinessWhileDown).toBe('BrokerUnavailableError');
    expect(logger.lines.some((l) => l.message.startsWith('disconnected from RabbitMQ'))).toBe(true);
    // Settle: a late redelivery would add a row here.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await countRows(db.pool, 'SELECT count(*) AS n FROM applied_effect')).toBe(EVENTS);
    expect(await countRows(db.pool, 'SELECT count(DISTINCT message_id) AS n FROM applied_effect')).toBe(EVENTS);
    expect(await countRows(db.pool, 'SELECT count(*) AS n FROM applied_effect a JOIN outbox_event o ON o.id::text = a.message_id')).toBe(EVENTS);

    await relay.close();
    await consumer.close();
    await publisher.close();
    await consumerConnection.close();
    await relayConnection.close();
    const probe = await brokerProbe();
    await probe.deleteQueues(...consumerQueues(queue, [200]));
    await probe.close();
  });
});
