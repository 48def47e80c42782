import { createMessagingConnection } from '../../src/lib/connection';
import { createConsumer, onEvent } from '../../src/lib/consumer';
import { createPublisher } from '../../src/lib/publisher';
import {
  AMQP_URL,
  consumerQueues,
  countRows,
  killSocket,
  metricValue,
  newRegistry,
  recordingLogger,
  testEvent,
  uniqueName,
  waitFor,
  useBrokerFixture,
} from './support';

describe('inbox', () => {
  const fx = useBrokerFixture();

  it('when the consumer dies after its transaction but before its ack, then the redelivered message is acked without being applied again', async () => {
    const logger = recordingLogger();
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const queue = uniqueName('crashy');
    const event = testEvent();
    fx.probe.forget(...consumerQueues(queue, [1000]));
    const consumerConnection = createMessagingConnection({ url: AMQP_URL, logger, name: 'messaging-test-consumer', reconnectTimeInSeconds: 0.5 });
    const publisherConnection = createMessagingConnection({ url: AMQP_URL, logger, name: 'messaging-test-publisher' });
    let calls = 0;
    const consumer = createConsumer({
      connection: consumerConnection,
      logger,
      registry,
      db: fx.db.pool,
      exchange,
      queue,
      retry: { maxAttempts: 2, delaysMs: [1000] },
      handlers: [
        onEvent(event, async (_payload, ctx) => {
          calls += 1;
          await ctx.tx.query('INSERT INTO applied_effect (message_id) VALUES ($1)', [ctx.messageId]);
          // The lib commits after this returns; the ack then has no connection to travel on.
          if (calls === 1) killSocket(consumerConnection);
        }),
      ],
    });
    await consumer.waitForReady(10_000);
    const publisher = createPublisher({ connection: publisherConnection, logger, registry, exchange });

    const { messageId } = await publisher.publish(event, { thingId: 'i-1', amount: 9 });

    await waitFor(() => metricValue(registry, 'messaging_consumed_total', { queue, outcome: 'duplicate' }), (n) => n === 1, 15_000, 'the redelivery');
    expect(calls).toBe(1);
    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM applied_effect WHERE message_id = $1', [messageId])).toBe(1);
    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM processed_message WHERE consumer = $1', [queue])).toBe(1);
    await waitFor(() => fx.probe.depth(queue), (n) => n === 0, 5000, 'an empty queue');
    expect(logger.lines.some((l) => l.message.includes('already processed') && l.meta?.['event.id'] === messageId)).toBe(true);

    await consumer.close();
    await publisher.close();
    await consumerConnection.close();
    await publisherConnection.close();
  });

  it('when the same message id arrives twice, then the second copy is acknowledged and skipped', async () => {
    const logger = recordingLogger();
    const registry = newRegistry();
    const connection = createMessagingConnection({ url: AMQP_URL, logger, name: 'messaging-test' });
    const exchange = uniqueName('events');
    const queue = uniqueName('dedup');
    const event = testEvent();
    fx.probe.forget(...consumerQueues(queue, [1000]));
    let calls = 0;
    const consumer = createConsumer({
      connection,
      logger,
      registry,
      db: fx.db.pool,
      exchange,
      queue,
      retry: { maxAttempts: 2, delaysMs: [1000] },
      handlers: [
        onEvent(event, async (_payload, ctx) => {
          calls += 1;
          await ctx.tx.query('INSERT INTO applied_effect (message_id) VALUES ($1)', [ctx.messageId]);
        }),
      ],
    });
    await consumer.waitForReady(10_000);
    const publisher = createPublisher({ connection, logger, registry, exchange });

    await publisher.publish(event, { thingId: 'i-2', amount: 1 }, { messageId: 'a3c1f0de-0000-4000-8000-000000000001' });
    await publisher.publish(event, { thingId: 'i-2', amount: 1 }, { messageId: 'a3c1f0de-0000-4000-8000-000000000001' });

    await waitFor(() => metricValue(registry, 'messaging_consumed_total', { queue }), (n) => n === 2);
    expect(calls).toBe(1);
    expect(await metricValue(registry, 'messaging_consumed_total', { queue, outcome: 'duplicate' })).toBe(1);
    await consumer.close();
    await publisher.close();
    await connection.close();
  });
});
