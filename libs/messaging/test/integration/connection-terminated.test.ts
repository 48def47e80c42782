import { Pool, type PoolClient } from 'pg';
import { runInInbox } from '../../src/lib/consumer';
import { createOutboxRelay, enqueueOutbox } from '../../src/lib/outbox';
import type { Envelope } from '../../src/lib/envelope';
import { countRows, createTestDatabase, DATABASE_URL, newRegistry, recordingLogger, testEvent, uniqueName } from './support';

/**
 * pg_terminate_backend on a client that is checked out and between two
 * statements (waiting for the broker, or for the handler's own work): the unit of
 * work fails and is rolled back, and the process keeps running (issue 11, finding 4).
 * Without a listener on the checked-out client, node-postgres's 'error' event is
 * unhandled and Jest reports it as an uncaught exception.
 */
describe('when PostgreSQL terminates a checked-out connection', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let admin: Pool;
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
    process.on('uncaughtException', onUncaught);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await admin.end();
    await db.drop();
  });

  async function terminate(client: PoolClient): Promise<void> {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
    // Let the FATAL message and the socket's end reach the idle client.
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  it("when it happens inside a consumer's inbox transaction, then the message is not recorded as processed, the call rejects, and the process stays up", async () => {
    const messageId = uniqueName('message');

    const outcome = runInInbox(db.pool, 'test.consumer', { messageId }, async (tx) => {
      await tx.query('INSERT INTO applied_effect (message_id) VALUES ($1)', [messageId]);
      await terminate(tx);
      await tx.query('SELECT 1');
    });

    await expect(outcome).rejects.toThrow();
    expect(uncaught).toEqual([]);
    expect(await countRows(db.pool, 'SELECT count(*) AS n FROM processed_message WHERE message_id = $1', [messageId])).toBe(0);
    expect(await countRows(db.pool, 'SELECT count(*) AS n FROM applied_effect WHERE message_id = $1', [messageId])).toBe(0);
    // The pool still works: the broken client was discarded, not returned.
    await expect(db.pool.query('SELECT 1')).resolves.toBeDefined();
  });

  it('when it happens while the relay waits for confirms, then the batch fails, the rows stay unsent, and a later batch sends them', async () => {
    const event = testEvent();
    await enqueueOutbox(db.pool, event, { thingId: 'a', amount: 1 }, { aggregateType: 'thing', aggregateId: uniqueName('agg') });
    let terminateNext = true;
    const published: Envelope[] = [];
    const relayPool = new Pool({ connectionString: DATABASE_URL, options: `-c search_path=${db.schema}`, max: 2, application_name: 'relay-under-test' });
    const relay = createOutboxRelay({
      db: relayPool,
      registry: newRegistry(),
      logger: recordingLogger(),
      listen: false,
      publisher: {
        isConnected: () => true,
        async publishEnvelope(envelope: Envelope) {
          if (terminateNext) {
            terminateNext = false;
            await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'relay-under-test'");
            await new Promise((resolve) => setTimeout(resolve, 300));
          }
          published.push(envelope);
        },
      },
    });

    await expect(relay.relayBatch()).rejects.toThrow();
    expect(uncaught).toEqual([]);
    expect(await countRows(db.pool, 'SELECT count(*) AS n FROM outbox_event WHERE sent_at IS NULL')).toBe(1);
    const retried = await relay.relayBatch();

    expect(retried).toMatchObject({ claimed: 1, sent: 1 });
    expect(await countRows(db.pool, 'SELECT count(*) AS n FROM outbox_event WHERE sent_at IS NULL')).toBe(0);
    await relay.close();
    await relayPool.end();
  });
});
