import { createConsumer, onEvent } from '../../src/lib/consumer';
import { createOutboxRelay, enqueueOutbox } from '../../src/lib/outbox';
import { createPublisher, PublishFailedError } from '../../src/lib/publisher';
import { DEFAULT_RETRY_POLICY, retryDelays } from '../../src/lib/topology';
import { consumerQueues, countRows, metricValue, newRegistry, recordingLogger, testEvent, uniqueName, useBrokerFixture, waitFor } from './support';

/** Issue 11, finding 2: an event no queue is bound to must never be confirmed, marked sent and lost. */
describe('unroutable events', () => {
  const logger = recordingLogger();
  const fx = useBrokerFixture({ logger, databasePerTest: true });

  it('when no queue is bound to an event, then the broker returns it, the publish fails and its outbox row stays unsent', async () => {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const event = testEvent();
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange });
    await publisher.waitForReady(10_000);
    await enqueueOutbox(fx.db.pool, event, { thingId: 'lost-1', amount: 1 }, { aggregateType: 'thing', aggregateId: 'lost-1' });
    const relay = createOutboxRelay({ db: fx.db.pool, publisher, registry, logger });

    const result = await relay.relayBatch();

    expect(result).toMatchObject({ claimed: 1, sent: 0, failed: 1 });
    const { rows } = await fx.db.pool.query<{ sent_at: Date | null; attempts: number; last_error: string }>(
      'SELECT sent_at, attempts, last_error FROM outbox_event',
    );
    expect(rows).toEqual([{ sent_at: null, attempts: 1, last_error: expect.stringMatching(/returned by the broker .*NO_ROUTE/) }]);
    expect(await metricValue(registry, 'messaging_returned_total', { event: event.name })).toBe(1);
    expect(await metricValue(registry, 'messaging_confirmed_total', { event: event.name })).toBe(0);
    await expect(publisher.publish(event, { thingId: 'lost-2', amount: 1 })).rejects.toMatchObject({
      name: 'PublishFailedError',
      reason: 'returned',
    } satisfies Partial<PublishFailedError>);
    await relay.close();
    await publisher.close();
  });

  it('when the topology names a queue no consumer has declared yet, then the publisher declares it first and the event waits there for its consumer', async () => {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const queue = uniqueName('late-consumer');
    const event = testEvent();
    fx.probe.forget(...consumerQueues(queue, retryDelays(DEFAULT_RETRY_POLICY)));
    const publisher = createPublisher({
      connection: fx.connection,
      logger,
      registry,
      exchange,
      topology: { queues: [{ queue, routingKeys: [event.name] }] },
    });
    await publisher.waitForReady(10_000);
    await enqueueOutbox(fx.db.pool, event, { thingId: 'early-1', amount: 7 }, { aggregateType: 'thing', aggregateId: 'early-1' });
    const relay = createOutboxRelay({ db: fx.db.pool, publisher, registry, logger });

    expect(await relay.relayBatch()).toMatchObject({ sent: 1, failed: 0 });
    expect(await fx.probe.depth(queue)).toBe(1);

    // The consumer starting later declares the same queue with the same arguments (no PRECONDITION_FAILED) and gets the event.
    const consumer = createConsumer({
      connection: fx.connection,
      logger,
      registry,
      db: fx.db.pool,
      exchange,
      queue,
      handlers: [
        onEvent(event, async (payload, ctx) => {
          await ctx.tx.query('INSERT INTO applied_effect (message_id, aggregate_id) VALUES ($1, $2)', [ctx.messageId, payload.thingId]);
        }),
      ],
    });
    await consumer.waitForReady(10_000);
    await waitFor(() => countRows(fx.db.pool, `SELECT count(*) AS n FROM applied_effect WHERE aggregate_id = 'early-1'`), (n) => n === 1);
    await consumer.close();
    await relay.close();
    await publisher.close();
  });

  it('when an event is listed as one that may go unrouted, then it is published without mandatory and confirmed with no queue', async () => {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const event = testEvent();
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange, topology: { queues: [], unroutable: [event.name] } });
    await publisher.waitForReady(10_000);

    await publisher.publish(event, { thingId: 'note-1', amount: 1 });

    expect(await metricValue(registry, 'messaging_confirmed_total', { event: event.name })).toBe(1);
    expect(await metricValue(registry, 'messaging_returned_total', { event: event.name })).toBe(0);
    await publisher.close();
  });
});
