import { randomUUID } from 'node:crypto';
import { createConsumer, onEvent } from '../../src/lib/consumer';
import { consumerQueues, countRows, newRegistry, recordingLogger, testEvent, uniqueName, useBrokerFixture, waitFor } from './support';

describe('inbox retention', () => {
  const logger = recordingLogger();
  const fx = useBrokerFixture({ logger });

  function consumerWith(queue: string, inbox: { retentionMs: number; outboxRetentionMs: number; purgeIntervalMs: number }) {
    fx.probe.forget(...consumerQueues(queue, [100]));
    return createConsumer({
      connection: fx.connection,
      logger,
      registry: newRegistry(),
      db: fx.db.pool,
      exchange: uniqueName('events'),
      queue,
      retry: { maxAttempts: 2, delaysMs: [100] },
      inbox,
      handlers: [onEvent(testEvent(), async () => undefined)],
    });
  }

  async function remember(consumer: string, ageMs: number): Promise<string> {
    const id = randomUUID();
    await fx.db.pool.query(
      `INSERT INTO processed_message (consumer, message_id, processed_at) VALUES ($1, $2, now() - make_interval(secs => $3::double precision / 1000))`,
      [consumer, id, ageMs],
    );
    return id;
  }

  it('when inbox rows are older than the retention, then the scheduled purge deletes them and keeps newer ones and other consumers’ rows', async () => {
    const queue = uniqueName('forgetful');
    const other = uniqueName('neighbour');
    const old = await Promise.all([1, 2, 3].map(() => remember(queue, 120_000)));
    const recent = await remember(queue, 1_000);
    const neighbours = await remember(other, 120_000);
    const consumer = consumerWith(queue, { retentionMs: 60_000, outboxRetentionMs: 1_000, purgeIntervalMs: 100 });

    await waitFor(() => countRows(fx.db.pool, 'SELECT count(*) AS n FROM processed_message WHERE message_id = ANY($1)', [old]), (n) => n === 0, 5_000, 'the purge');

    const { rows } = await fx.db.pool.query('SELECT message_id FROM processed_message WHERE consumer = ANY($1) ORDER BY consumer', [[queue, other]]);
    expect(rows.map((r) => r.message_id).sort()).toEqual([recent, neighbours].sort());
    await consumer.close();
  });

  it('when the inbox retention is not longer than the outbox retention plus the longest retry delay, then the consumer is refused at creation', async () => {
    const queue = uniqueName('too-short');

    expect(() => consumerWith(queue, { retentionMs: 1_100, outboxRetentionMs: 1_000, purgeIntervalMs: 0 })).toThrow(
      /inbox retention \(1100 ms\) must be longer than the outbox retention \(1000 ms\) plus the longest retry delay \(100 ms\)/,
    );
    const accepted = consumerWith(queue, { retentionMs: 1_101, outboxRetentionMs: 1_000, purgeIntervalMs: 0 });
    await accepted.waitForReady(10_000);
    await accepted.close();
  });
});
