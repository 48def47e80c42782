import type { Envelope } from '../../src/lib/envelope';
import { createOutboxRelay, enqueueOutbox } from '../../src/lib/outbox';
import { createPublisher } from '../../src/lib/publisher';
import { countRows, metricValue, newRegistry, recordingLogger, testEvent, uniqueName, useBrokerFixture } from './support';

/**
 * Issue 11, finding 6: an event that keeps failing waits on its own schedule and
 * holds back only its own aggregate; after its last attempt it is dead, counted
 * and alerted on; the relay's transactions cannot stay idle for long.
 */
describe('outbox relay: per-event retries and dead events', () => {
  const logger = recordingLogger();
  const fx = useBrokerFixture({ logger, databasePerTest: true });

  /** `routed` reaches a queue; `unrouted` has none, so the broker returns it on every attempt. */
  async function arrange(relayOptions: { maxAttempts?: number; retryDelayMs?: number } = {}) {
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const routed = testEvent();
    const unrouted = testEvent();
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange });
    await publisher.waitForReady(10_000);
    const { queue: tap } = await fx.probe.channel.assertQueue('', { exclusive: true });
    await fx.probe.channel.bindQueue(tap, exchange, routed.name);
    const relay = createOutboxRelay({ db: fx.db.pool, publisher, registry, logger, ...relayOptions });
    const enqueue = (event: typeof routed, aggregateId: string, amount: number) =>
      enqueueOutbox(fx.db.pool, event, { thingId: aggregateId, amount }, { aggregateType: 'thing', aggregateId });
    return { registry, exchange, routed, unrouted, publisher, relay, tap, enqueue };
  }

  const unsentOf = (aggregateId: string) =>
    fx.db.pool
      .query<{ amount: number; attempts: number; dead: boolean; waiting: boolean }>(
        `SELECT (payload->>'amount')::int AS amount, attempts, dead_at IS NOT NULL AS dead, next_attempt_at > now() AS waiting
         FROM outbox_event WHERE aggregate_id = $1 AND sent_at IS NULL ORDER BY sequence`,
        [aggregateId],
      )
      .then((r) => r.rows);

  it('when one event fails, then it waits for its own retry time and the next batch carries on with the other aggregates', async () => {
    const { relay, publisher, routed, unrouted, enqueue } = await arrange({ retryDelayMs: 60_000 });
    await enqueue(unrouted, 'stuck', 1);
    await enqueue(routed, 'stuck', 2);
    await enqueue(routed, 'flowing', 1);
    await enqueue(routed, 'flowing', 2);

    const first = await relay.relayBatch();
    const second = await relay.relayBatch();

    expect(first).toMatchObject({ claimed: 2, sent: 1, failed: 1, dead: 0 });
    // Only the other aggregate's next event: the failed one is not due, and its aggregate's later event waits behind it.
    expect(second).toMatchObject({ claimed: 1, sent: 1, failed: 0 });
    expect(await unsentOf('flowing')).toEqual([]);
    expect(await unsentOf('stuck')).toEqual([
      { amount: 1, attempts: 1, dead: false, waiting: true },
      { amount: 2, attempts: 0, dead: false, waiting: false },
    ]);
    await relay.close();
    await publisher.close();
  });

  it('when an event spends its last attempt, then it is dead, counted and logged, its aggregate waits, and after a requeue both leave in order', async () => {
    const { registry, exchange, relay, publisher, routed, unrouted, tap, enqueue } = await arrange({ maxAttempts: 3, retryDelayMs: 1 });
    await enqueue(unrouted, 'doomed', 1);
    await enqueue(routed, 'doomed', 2);

    const results = [];
    for (let i = 0; i < 4; i++) {
      results.push(await relay.relayBatch());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    expect(results.map((r) => [r.claimed, r.failed, r.dead])).toEqual([
      [1, 1, 0],
      [1, 1, 0],
      [1, 1, 1],
      [0, 0, 0],
    ]);
    expect(await unsentOf('doomed')).toEqual([
      { amount: 1, attempts: 3, dead: true, waiting: expect.any(Boolean) },
      { amount: 2, attempts: 0, dead: false, waiting: false },
    ]);
    expect(await metricValue(registry, 'outbox_dead_events')).toBe(1);
    expect(await metricValue(registry, 'outbox_pending_events')).toBe(1);
    expect(logger.lines.filter((l) => l.level === 'error' && /dead after 3 attempts; later events of thing doomed wait/.test(l.message))).toHaveLength(1);

    // The runbook's requeue, once the cause is fixed (here: a queue for the event now exists).
    await fx.probe.channel.bindQueue(tap, exchange, unrouted.name);
    await fx.db.pool.query(`UPDATE outbox_event SET dead_at = NULL, attempts = 0, next_attempt_at = now() WHERE dead_at IS NOT NULL`);
    await relay.relayBatch();
    await relay.relayBatch();

    const amounts = [];
    for (let msg = await fx.probe.get(tap); msg; msg = await fx.probe.get(tap)) amounts.push(JSON.parse(msg.content.toString()).amount);
    expect(amounts).toEqual([1, 2]);
    expect(await metricValue(registry, 'outbox_dead_events')).toBe(0);
    await relay.close();
    await publisher.close();
  });

  it('when a batch sits idle in its transaction past the timeout, then PostgreSQL ends it, its events stay unsent and unlocked, and the process goes on', async () => {
    const registry = newRegistry();
    const event = testEvent();
    await enqueueOutbox(fx.db.pool, event, { thingId: 'slow-1', amount: 1 }, { aggregateType: 'thing', aggregateId: 'slow-1' });
    // A broker that takes its time to confirm: the transaction is idle meanwhile.
    const confirmed: string[] = [];
    const slowBroker = {
      isConnected: () => true,
      publishEnvelope: async (envelope: Envelope) => {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        confirmed.push(envelope.messageId);
      },
    };
    const relay = createOutboxRelay({ db: fx.db.pool, publisher: slowBroker, registry, logger, idleInTransactionTimeoutMs: 300 });

    await expect(relay.relayBatch()).rejects.toThrow(/idle-in-transaction timeout|terminat|Connection terminated/i);

    expect(confirmed).toHaveLength(1);
    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM outbox_event WHERE sent_at IS NULL')).toBe(1);
    // Not locked by a lingering transaction: another claim can take it at once.
    const { rows } = await fx.db.pool.query('SELECT id FROM outbox_event FOR UPDATE SKIP LOCKED');
    expect(rows).toHaveLength(1);
    await relay.close();
  });
});
