import { brokerReadinessCheck, createMessagingConnection } from '../../src/lib/connection';
import { createConsumer, onEvent } from '../../src/lib/consumer';
import { createPublisher } from '../../src/lib/publisher';
import {
  AMQP_URL,
  consumerQueues,
  countRows,
  killSocket,
  newRegistry,
  recordingLogger,
  testEvent,
  uniqueName,
  waitFor,
  useBrokerFixture,
} from './support';

describe('reconnect', () => {
  const fx = useBrokerFixture();

  it('when the topology disappears while the connection is down, then the reconnect declares it again and events flow', async () => {
    const logger = recordingLogger();
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const queue = uniqueName('phoenix');
    const event = testEvent();
    const queues = consumerQueues(queue, [500]);
    fx.probe.forget(...queues);
    const connection = createMessagingConnection({ url: AMQP_URL, logger, name: 'messaging-test', reconnectTimeInSeconds: 1 });
    const consumer = createConsumer({
      connection,
      logger,
      registry,
      db: fx.db.pool,
      exchange,
      queue,
      retry: { maxAttempts: 2, delaysMs: [500] },
      handlers: [
        onEvent(event, async (_payload, ctx) => {
          await ctx.tx.query('INSERT INTO applied_effect (message_id) VALUES ($1)', [ctx.messageId]);
        }),
      ],
    });
    const publisher = createPublisher({ connection, logger, registry, exchange });
    await consumer.waitForReady(10_000);
    await publisher.waitForReady(10_000);

    killSocket(connection);
    for (const name of queues) await fx.probe.channel.deleteQueue(name);
    await fx.probe.channel.deleteExchange(exchange);
    const readinessWhileDown = await brokerReadinessCheck(connection)(AbortSignal.timeout(500)).then(() => 'ready', (err: Error) => err.name);

    await waitFor(async () => (await Promise.all(queues.map((q) => fx.probe.exists(q)))).every(Boolean), (all) => all, 10_000, 'the queues declared again');
    await consumer.waitForReady(10_000);
    await publisher.waitForReady(10_000);
    const { messageId } = await publisher.publish(event, { thingId: 'p-1', amount: 1 });

    await waitFor(() => countRows(fx.db.pool, 'SELECT count(*) AS n FROM applied_effect WHERE message_id = $1', [messageId]), (n) => n === 1);
    expect(readinessWhileDown).toBe('BrokerUnavailableError');
    await expect(brokerReadinessCheck(connection)(AbortSignal.timeout(500))).resolves.toBeUndefined();
    await consumer.close();
    await publisher.close();
    await connection.close();
  });
});
