import { Value } from 'typebox/value';
import { createBroadcastConsumer, createConsumer, onBroadcast, onEvent, type InboxContext, type MessageContext } from '../../src/lib/consumer';
import { createPublisher, InvalidEventPayloadError } from '../../src/lib/publisher';
import {
  consumerQueues,
  countRows,
  metricValue,
  newRegistry,
  recordingLogger,
  testEvent,
  uniqueName,
  waitFor,
  useBrokerFixture,
} from './support';

describe('publish and consume', () => {
  const logger = recordingLogger();
  const fx = useBrokerFixture({ logger });

  it('when an event is published with confirm, then the consumer applies it in its inbox transaction and acks it', async () => {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const queue = uniqueName('orders');
    const event = testEvent();
    fx.probe.forget(...consumerQueues(queue, [1000]));
    const seen: { payload: unknown; ctx: InboxContext }[] = [];
    const consumer = createConsumer({
      connection: fx.connection,
      logger,
      registry,
      db: fx.db.pool,
      exchange,
      queue,
      retry: { maxAttempts: 2, delaysMs: [1000] },
      handlers: [
        onEvent(event, async (payload, ctx) => {
          seen.push({ payload, ctx });
          await ctx.tx.query('INSERT INTO applied_effect (message_id) VALUES ($1)', [ctx.messageId]);
        }),
      ],
    });
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange, appId: 'messaging-test' });
    await consumer.waitForReady(10_000);

    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const { messageId } = await publisher.publish(event, { thingId: 'a-1', amount: 42 }, { correlationId: 'corr-1', traceId });

    await waitFor(() => countRows(fx.db.pool, 'SELECT count(*) AS n FROM applied_effect WHERE message_id = $1', [messageId]), (n) => n === 1);
    await waitFor(() => metricValue(registry, 'messaging_consumed_total', { queue, outcome: 'processed' }), (n) => n === 1);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.payload).toEqual({ thingId: 'a-1', amount: 42 });
    expect(seen[0]?.ctx).toMatchObject({ messageId, correlationId: 'corr-1', traceId, attempt: 1, eventName: event.name, eventVersion: 1, queue });
    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM processed_message WHERE consumer = $1 AND message_id = $2', [queue, messageId])).toBe(1);
    expect(await fx.probe.depth(queue)).toBe(0);
    expect(await metricValue(registry, 'messaging_published_total', { event: event.name })).toBe(1);
    expect(await metricValue(registry, 'messaging_confirmed_total', { event: event.name })).toBe(1);

    await consumer.close();
    await publisher.close();
  });

  it('when a message is published, then it carries persistence, ids, trace and event headers', async () => {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const event = testEvent();
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange, appId: 'messaging-test' });
    await publisher.waitForReady(10_000);
    const { queue } = await fx.probe.channel.assertQueue('', { exclusive: true });
    await fx.probe.channel.bindQueue(queue, exchange, event.name);

    const { messageId } = await publisher.publish(event, { thingId: 'b-1', amount: 1 }, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });

    const msg = await waitFor(() => fx.probe.get(queue), (m) => m !== undefined);
    expect(msg?.properties).toMatchObject({
      deliveryMode: 2,
      contentType: 'application/json',
      messageId,
      correlationId: messageId,
      type: event.name,
      appId: 'messaging-test',
      headers: { 'x-trace-id': '4bf92f3577b34da6a3ce929d0e0e4736', 'x-event-name': event.name, 'x-event-version': 1 },
    });
    expect(typeof msg?.properties.timestamp).toBe('number');
    expect(JSON.parse(msg?.content.toString() ?? '')).toEqual({ thingId: 'b-1', amount: 1 });
    await publisher.close();
  });

  it('when the payload does not match the schema, then publish throws and nothing reaches the broker', async () => {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const event = testEvent();
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange });
    await publisher.waitForReady(10_000);
    const { queue } = await fx.probe.channel.assertQueue('', { exclusive: true });
    await fx.probe.channel.bindQueue(queue, exchange, event.name);
    const bad = { thingId: 'c-1', amount: 1.5 } as unknown as { thingId: string; amount: number };
    expect(Value.Check(event.schema, bad)).toBe(false);

    await expect(publisher.publish(event, bad)).rejects.toBeInstanceOf(InvalidEventPayloadError);

    expect(await fx.probe.depth(queue)).toBe(0);
    expect(await metricValue(registry, 'messaging_published_total')).toBe(0);
    await publisher.close();
  });

  it('when two replicas have broadcast consumers, then each replica receives every event', async () => {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const event = testEvent();
    const received: Record<string, MessageContext[]> = { a: [], b: [] };
    const replicas = (['a', 'b'] as const).map((replica) =>
      createBroadcastConsumer({
        connection: fx.connection,
        logger,
        registry: newRegistry(),
        exchange,
        name: 'api.live-updates',
        handlers: [onBroadcast(event, (_payload, ctx) => void received[replica]?.push(ctx))],
      }),
    );
    await Promise.all(replicas.map((r) => r.waitForReady(10_000)));
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange });

    const { messageId } = await publisher.publish(event, { thingId: 'd-1', amount: 7 });

    await waitFor(() => (received['a']?.length ?? 0) + (received['b']?.length ?? 0), (n) => n === 2);
    expect(received['a']?.[0]?.messageId).toBe(messageId);
    expect(received['b']?.[0]?.messageId).toBe(messageId);
    await Promise.all(replicas.map((r) => r.close()));
    for (const replica of replicas) expect(await fx.probe.exists(replica.queue)).toBe(false);
    await publisher.close();
  });

  it('when closed while a handler runs, then the handler finishes, its message is acked, and no new message is taken', async () => {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const queue = uniqueName('slow');
    const event = testEvent();
    fx.probe.forget(...consumerQueues(queue, [1000]));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
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
        onEvent(event, async (_payload, ctx) => {
          started += 1;
          await gate;
          await ctx.tx.query('INSERT INTO applied_effect (message_id) VALUES ($1)', [ctx.messageId]);
        }),
      ],
    });
    await consumer.waitForReady(10_000);
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange });
    await publisher.publish(event, { thingId: 'e-1', amount: 1 });
    await publisher.publish(event, { thingId: 'e-2', amount: 1 });
    await waitFor(() => started, (n) => n === 1);

    const closing = consumer.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await closing;

    expect(started).toBe(1);
    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM processed_message WHERE consumer = $1', [queue])).toBe(1);
    await waitFor(() => fx.probe.depth(queue), (n) => n === 1, 5000, 'one message left in the queue');
    await publisher.close();
  });
});
