import net from 'node:net';
import { Pool } from 'pg';
import { createConsumer, onEvent } from '../../src/lib/consumer';
import { createPublisher } from '../../src/lib/publisher';
import { consumerQueues, countRows, DATABASE_URL, metricValue, newRegistry, recordingLogger, testEvent, uniqueName, useBrokerFixture, waitFor } from './support';

/**
 * The real PostgreSQL behind a TCP relay the test can cut: while it is down, new
 * connections are refused and open ones are reset, as when the database restarts
 * or its host is unreachable. Only the consumer's pool goes through it.
 */
function cuttableRelay(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const relay = {
    get port() {
      return port;
    },
    async up(): Promise<void> {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', () => resolve()));
      port = (server.address() as net.AddressInfo).port;
    },
    async down(): Promise<void> {
      if (!server?.listening) return;
      const closing = new Promise<void>((resolve) => server?.close(() => resolve()));
      for (const s of sockets) s.resetAndDestroy();
      await closing;
    },
  };
  return relay;
}

describe('when the database is unreachable for longer than the retry schedule', () => {
  const logger = recordingLogger();
  const fx = useBrokerFixture({ logger });
  const delaysMs = [100, 200];
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('then consumption pauses without spending attempts, and every message is applied once after recovery, none parked', async () => {
    const relay = cuttableRelay(new URL(DATABASE_URL));
    await relay.up();
    const url = new URL(DATABASE_URL);
    url.port = String(relay.port);
    const consumerDb = new Pool({ connectionString: url.toString(), options: `-c search_path=${fx.db.schema}`, max: 4, connectionTimeoutMillis: 1_000 });
    consumerDb.on('error', () => undefined);
    const registry = newRegistry();
    const exchange = uniqueName('events');
    const queue = uniqueName('patient');
    const event = testEvent();
    fx.probe.forget(...consumerQueues(queue, delaysMs));
    const attempts: number[] = [];
    const consumer = createConsumer({
      connection: fx.connection,
      logger,
      registry,
      db: consumerDb,
      exchange,
      queue,
      prefetch: 4,
      // The whole schedule is 300 ms; the outage below lasts 3 s.
      retry: { maxAttempts: 3, delaysMs },
      databaseRecovery: { initialDelayMs: 100, maxDelayMs: 400 },
      handlers: [
        onEvent(event, async (_payload, ctx) => {
          attempts.push(ctx.attempt);
          await ctx.tx.query('INSERT INTO applied_effect (message_id) VALUES ($1)', [ctx.messageId]);
        }),
      ],
    });
    cleanup = async () => {
      await consumer.close();
      await consumerDb.end();
      await relay.down();
    };
    await consumer.waitForReady(10_000);
    const publisher = createPublisher({ connection: fx.connection, logger, registry, exchange });
    // Warm the pool: the outage also cuts connections that are open and idle.
    const { messageId: before } = await publisher.publish(event, { thingId: 'before', amount: 1 });
    await waitFor(() => countRows(fx.db.pool, 'SELECT count(*) AS n FROM applied_effect WHERE message_id = $1', [before]), (n) => n === 1, 10_000);

    await relay.down();
    const during: string[] = [];
    for (let i = 0; i < 6; i++) during.push((await publisher.publish(event, { thingId: `during-${i}`, amount: 1 })).messageId);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const parkedDuringOutage = await fx.probe.depth(`${queue}.parking`);
    await relay.up();

    await waitFor(
      () => countRows(fx.db.pool, 'SELECT count(DISTINCT message_id) AS n FROM applied_effect WHERE message_id = ANY($1)', [during]),
      (n) => n === during.length,
      15_000,
      'every message applied after recovery',
    );
    expect(parkedDuringOutage).toBe(0);
    expect(await fx.probe.depth(`${queue}.parking`)).toBe(0);
    expect(await countRows(fx.db.pool, 'SELECT count(*) AS n FROM applied_effect WHERE message_id = ANY($1)', [during])).toBe(during.length);
    expect(await metricValue(registry, 'messaging_retried_total', { queue })).toBe(0);
    expect(Math.max(...attempts)).toBe(1);
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes('consumption paused'))).toBe(true);
  }, 40_000);
});
