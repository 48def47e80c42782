/* Outbox relay throughput against a raw amqplib confirm channel, in one run.
   Both publish the same N persistent JSON messages (same properties) through a
   durable topic exchange into a durable queue of the same kind; raw awaits all
   confirms at the end, the relay claims, publishes and marks rows sent in
   batches (its production loop). Needs tools/dev-services.sh.
   Run: node -r @swc-node/register tools/bench/outbox-relay.ts
   Env: BENCH_N (10000), BENCH_BATCH (1000), BENCH_CONCURRENCY (2), BENCH_AGGREGATES (N/5),
        BENCH_QUEUE_TYPE (classic|quorum), BENCH_ROUNDS (3: raw and relay alternate, medians compared,
        so a burst of load from elsewhere on the machine does not decide the ratio).
   Target (issue #3): relay ≥ 0.7 × raw. */
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as amqplib from 'amqplib';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { Type } from 'typebox';
import {
  createEnvelope,
  createMessagingConnection,
  createOutboxRelay,
  createPublisher,
  enqueueOutbox,
  MESSAGING_TABLES_SQL,
  type Logger,
} from '../../libs/messaging/src';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const DATABASE_URL = process.env.MESSAGING_DATABASE_URL ?? 'postgresql://messaging:messaging@127.0.0.1:5432/messaging';
const N_MEASURED = Number(process.env.BENCH_N ?? 10_000);
let N = N_MEASURED;
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const AGGREGATES = Number(process.env.BENCH_AGGREGATES ?? Math.max(1, Math.floor(N_MEASURED / 5)));
const QUEUE_TYPE = process.env.BENCH_QUEUE_TYPE ?? 'classic';
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const event = {
  name: 'bench.transfer-completed',
  version: 1,
  schema: Type.Object({
    transferId: Type.String(),
    accountId: Type.String(),
    amount: Type.Integer({ minimum: 1 }),
    currency: Type.String({ minLength: 3, maxLength: 3 }),
    completedAt: Type.String(),
  }),
} as const;

function payload(i: number) {
  return { transferId: randomUUID(), accountId: `acc-${i % AGGREGATES}`, amount: 100 + i, currency: 'EUR', completedAt: new Date().toISOString() };
}

const quiet: Logger = { error: (m, meta) => console.error(m, meta ?? ''), warn: () => undefined, info: () => undefined, debug: () => undefined };

async function declare(channel: amqplib.Channel, exchange: string, queue: string) {
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': QUEUE_TYPE } });
  await channel.bindQueue(queue, exchange, event.name);
}

async function rawConfirmChannel(exchange: string, queue: string): Promise<number> {
  const connection = await amqplib.connect(AMQP_URL);
  const channel = await connection.createConfirmChannel();
  await declare(channel, exchange, queue);
  const messages = Array.from({ length: N }, (_, i) => createEnvelope(event, payload(i)));
  const started = performance.now();
  for (const envelope of messages) {
    const ok = channel.publish(exchange, event.name, Buffer.from(JSON.stringify(envelope.payload)), {
      persistent: true,
      contentType: 'application/json',
      messageId: envelope.messageId,
      correlationId: envelope.correlationId,
      type: event.name,
      timestamp: Math.floor(envelope.occurredAt.getTime() / 1000),
      headers: { 'x-trace-id': envelope.traceId, 'x-event-name': event.name, 'x-event-version': event.version },
    });
    if (!ok) await new Promise((resolve) => channel.once('drain', resolve));
  }
  await channel.waitForConfirms();
  const seconds = (performance.now() - started) / 1000;
  const { messageCount } = await channel.checkQueue(queue);
  if (messageCount !== N) throw new Error(`raw: expected ${N} messages in ${queue}, found ${messageCount}`);
  await channel.deleteQueue(queue);
  await connection.close();
  return N / seconds;
}

async function outboxRelay(exchange: string, queue: string): Promise<number> {
  const schema = `bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pool = new Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}`, max: 4 });
  const probe = await amqplib.connect(AMQP_URL);
  const probeChannel = await probe.createChannel();
  const connection = createMessagingConnection({ url: AMQP_URL, logger: quiet, name: 'bench-relay' });
  try {
    await pool.query(MESSAGING_TABLES_SQL);
    await declare(probeChannel, exchange, queue);
    const client = await pool.connect();
    await client.query('BEGIN');
    for (let i = 0; i < N; i++) {
      await enqueueOutbox(client, event, payload(i), { aggregateType: 'account', aggregateId: `acc-${i % AGGREGATES}` });
    }
    await client.query('COMMIT');
    client.release();
    await pool.query('ANALYZE outbox_event');

    const registry = new Registry();
    const publisher = createPublisher({ connection, logger: quiet, registry, exchange });
    await publisher.waitForReady(10_000);
    const relay = createOutboxRelay({ db: pool, publisher, registry, logger: quiet, batchSize: BATCH, concurrency: CONCURRENCY, pollIntervalMs: 20, listen: false });
    const started = performance.now();
    relay.start();
    for (;;) {
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox_event WHERE sent_at IS NULL');
      if (Number(rows[0]?.n) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    await relay.close();
    await publisher.close();
    const { messageCount } = await probeChannel.checkQueue(queue);
    if (messageCount !== N) throw new Error(`relay: expected ${N} messages in ${queue}, found ${messageCount}`);
    return N / seconds;
  } finally {
    await probeChannel.deleteQueue(queue).catch(() => undefined);
    await probeChannel.deleteExchange(exchange).catch(() => undefined);
    await probe.close();
    await connection.close();
    await pool.end();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main() {
  const id = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const exchange = `bench.${id}.events`;
  console.log(`outbox relay vs raw amqplib — N=${N}, relay batch=${BATCH} × ${CONCURRENCY}, aggregates=${AGGREGATES}, ${QUEUE_TYPE} durable queue, ${ROUNDS} rounds`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  // An untimed warm-up of both paths: JIT, pool connections and catalog caches
  // otherwise land on whichever runs first.
  N = Math.min(1000, N_MEASURED);
  await rawConfirmChannel(exchange, `bench.${id}.warmup-raw`);
  await outboxRelay(exchange, `bench.${id}.warmup-relay`);
  N = N_MEASURED;
  const raws: number[] = [];
  const relays: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    raws.push(await rawConfirmChannel(exchange, `bench.${id}.raw${round}`));
    relays.push(await outboxRelay(exchange, `bench.${id}.relay${round}`));
    console.log(`round ${round}: raw ${raws.at(-1)?.toFixed(0)} msg/s, relay ${relays.at(-1)?.toFixed(0)} msg/s`);
  }
  const raw = median(raws);
  const relay = median(relays);
  console.log(`raw amqplib confirm channel (median): ${raw.toFixed(0)} confirmed msg/s`);
  console.log(`outbox relay, claim→publish→confirm→mark sent (median): ${relay.toFixed(0)} msg/s`);
  const ratio = relay / raw;
  console.log(`ratio relay/raw: ${ratio.toFixed(2)} (target ≥ 0.70) ${ratio >= 0.7 ? 'OK' : 'BELOW TARGET'}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
