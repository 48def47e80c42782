import { createConsumer, onEvent } from '../../src/lib/consumer';
import { createPublisher } from '../../src/lib/publisher';
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

describe('retries and parking', () => {
  const logger = recordingLogger();
  const delaysMs = [300, 600];
  const fx = useBrokerFixture({ logger });

  function setup(handler: Parameters<typeof onEvent>[1], maxAttempts = 3) {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const queue = uniqueName('retrying');
    const event = testEvent();
    fx.probe.forget(...consumerQueues(queue, delaysMs));
    const consumer = createConsumer({
      connection: fx.connection,
      logger,
      registry,
      db: fx.db.pool,
      exchange,
      queue,
      retry: { maxAttempts, delaysMs },
      handlers: [onEvent(event, handler)],
    });
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange });
    return { registry, exchange, queue, event, consumer, publisher };
  }

  it('when a handler fails twice and then succeeds, then it is retried with growing delay and applied exactly once', async () => {
    const attempts: { attempt: number; at: number }[] = [];
    const { registry, queue, event, consumer, publisher } = setup(async (_payload, ctx) => {
      attempts.push({ attempt: ctx.attempt, at: Date.now() });
      // Written before failing: a rolled-back attempt must leave no trace.
      await ctx.tx.query('INSERT INTO applied_effect (message_id) VALUES ($1)', [ctx.messageId]);
      if (ctx.attempt < 3) throw new Error(`downstream unavailable (attempt ${ctx.attempt})`);
    });
    await consumer.waitForReady(10_000);

    const { messageId } = await publisher.publish(event, { thingId: 'r-1', amount: 5 });

    await waitFor(() => metricValue(registry, 'messaging_consumed_total', { queue, outcome: 'processed' }), (n) => n === 1, 10_000);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    const [first, second, third] = attempts.map((a) => a.at) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(delaysMs[0] as number);
    expect(third - second).toBeGreaterThanOrEqual(delaysMs[1] as number);
    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM applied_effect WHERE message_id = $1', [messageId])).toBe(1);
    expect(await metricValue(registry, 'messaging_retried_total', { queue })).toBe(2);
    expect(await fx.probe.depth(`${queue}.parking`)).toBe(0);
    await consumer.close();
    await publisher.close();
  });

  it('when every attempt fails, then the message is parked with the last error, the attempt count and the reason', async () => {
    let calls = 0;
    const { registry, queue, event, consumer, publisher } = setup(async (_payload, ctx) => {
      calls += 1;
      throw new Error(`ledger refused transfer on attempt ${ctx.attempt}`);
    });
    await consumer.waitForReady(10_000);

    const { messageId } = await publisher.publish(event, { thingId: 'r-2', amount: 5 }, { correlationId: 'corr-r-2' });

    await waitFor(() => fx.probe.depth(`${queue}.parking`), (n) => n === 1, 10_000, 'a parked message');
    const parked = await fx.probe.get(`${queue}.parking`);
    expect(calls).toBe(3);
    expect(parked?.properties.messageId).toBe(messageId);
    expect(parked?.properties.correlationId).toBe('corr-r-2');
    expect(parked?.properties.headers).toMatchObject({
      'x-attempts': 3,
      'x-last-error': 'Error: ledger refused transfer on attempt 3',
      'x-parking-reason': 'retries-exhausted',
      'x-original-queue': queue,
      'x-event-name': event.name,
    });
    expect(JSON.parse(parked?.content.toString() ?? '')).toEqual({ thingId: 'r-2', amount: 5 });
    expect(await metricValue(registry, 'messaging_parked_total', { queue, reason: 'retries-exhausted' })).toBe(1);
    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM processed_message WHERE message_id = $1', [messageId])).toBe(0);
    expect(await fx.probe.depth(queue)).toBe(0);
    await consumer.close();
    await publisher.close();
  });

  it('when a message fails schema validation, then it goes straight to parking with the reason and the handler never runs', async () => {
    let calls = 0;
    const { registry, exchange, queue, event, consumer, publisher } = setup(async () => {
      calls += 1;
    });
    await consumer.waitForReady(10_000);

    // A publisher with an older or broken schema: bypasses our validating publisher.
    await fx.probe.publishRaw(exchange, event.name, Buffer.from(JSON.stringify({ thingId: '', amount: -3 })), {
      persistent: true,
      messageId: 'poison-1',
      headers: { 'x-event-name': event.name, 'x-event-version': 1 },
    });

    await waitFor(() => fx.probe.depth(`${queue}.parking`), (n) => n === 1, 10_000, 'a parked message');
    const parked = await fx.probe.get(`${queue}.parking`);
    expect(calls).toBe(0);
    expect(parked?.properties.messageId).toBe('poison-1');
    expect(parked?.properties.headers).toMatchObject({ 'x-parking-reason': 'invalid-payload', 'x-attempts': 0 });
    expect(String(parked?.properties.headers?.['x-last-error'])).toMatch(/schema validation failed: \/thingId/);
    expect(await metricValue(registry, 'messaging_parked_total', { queue, reason: 'invalid-payload' })).toBe(1);
    expect(await metricValue(registry, 'messaging_retried_total', { queue })).toBe(0);
    await consumer.close();
    await publisher.close();
  });

  it('when a message is not JSON, then it is parked as malformed', async () => {
    const { exchange, queue, event, consumer, publisher } = setup(async () => undefined);
    await consumer.waitForReady(10_000);

    await fx.probe.publishRaw(exchange, event.name, Buffer.from('<xml/>'), {
      persistent: true,
      messageId: 'poison-2',
      headers: { 'x-event-name': event.name, 'x-event-version': 1 },
    });

    await waitFor(() => fx.probe.depth(`${queue}.parking`), (n) => n === 1, 10_000, 'a parked message');
    const parked = await fx.probe.get(`${queue}.parking`);
    expect(parked?.properties.headers).toMatchObject({ 'x-parking-reason': 'malformed' });
    await consumer.close();
    await publisher.close();
  });
});
