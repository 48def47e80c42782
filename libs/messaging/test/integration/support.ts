import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Socket } from 'node:net';
import * as amqplib from 'amqplib';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { Type } from 'typebox';
import { MESSAGING_TABLES_SQL } from '../../src/lib/schema';
import { createMessagingConnection, type MessagingConnection } from '../../src/lib/connection';
import type { Logger } from '../../src/lib/types';

export const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
export const DATABASE_URL = process.env['MESSAGING_DATABASE_URL'] ?? 'postgresql://messaging:messaging@127.0.0.1:5432/messaging';

/** Lowercase, dot-separated and unique per call, so tests never share broker or DB objects. */
export function uniqueName(purpose: string): string {
  return `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}.${purpose}`;
}

export function testEvent(name = uniqueName('thing-happened')) {
  return {
    name,
    version: 1,
    schema: Type.Object(
      { thingId: Type.String({ minLength: 1 }), amount: Type.Integer({ minimum: 1 }) },
      { additionalProperties: false },
    ),
  } as const;
}

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  meta: Record<string, unknown> | undefined;
}

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (message: string, meta?: Record<string, unknown>) => {
    lines.push({ level, message, meta });
  };
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

export function newRegistry(): Registry {
  return new Registry();
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
    .filter((v) => !('metricName' in v) || v.metricName === name || v.metricName === `${name}_count`)
    .reduce((sum, v) => sum + v.value, 0);
}

/** A PostgreSQL schema of its own, with the messaging tables and an effects table for handlers to write. */
export async function createTestDatabase(): Promise<{ pool: Pool; schema: string; drop(): Promise<void> }> {
  const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = new Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}`, max: 10, idleTimeoutMillis: 1000 });
  await pool.query(MESSAGING_TABLES_SQL);
  // No unique key on message_id on purpose: applying an event twice must show up as two rows.
  await pool.query(`CREATE TABLE applied_effect (id bigserial PRIMARY KEY, message_id text NOT NULL, aggregate_id text, seq integer, applied_at timestamptz NOT NULL DEFAULT now())`);
  return {
    pool,
    schema,
    async drop() {
      await pool.end();
      const cleanup = new Pool({ connectionString: DATABASE_URL, max: 1 });
      await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
      await cleanup.end();
    },
  };
}

/** A plain amqplib connection for arranging and inspecting the broker, independent of the code under test. */
export async function brokerProbe() {
  const connection = await amqplib.connect(AMQP_URL);
  connection.on('error', () => undefined);
  const channel = await connection.createChannel();
  const created = new Set<string>();
  return {
    channel,
    /** On a throwaway channel: a passive declare of a missing queue closes its channel. */
    async exists(queue: string): Promise<boolean> {
      const scratch = await connection.createChannel();
      scratch.on('error', () => undefined);
      try {
        await scratch.checkQueue(queue);
        await scratch.close();
        return true;
      } catch {
        return false;
      }
    },
    async depth(queue: string): Promise<number> {
      const { messageCount } = await channel.checkQueue(queue);
      return messageCount;
    },
    async get(queue: string) {
      const msg = await channel.get(queue, { noAck: true });
      return msg === false ? undefined : msg;
    },
    async publishRaw(exchange: string, routingKey: string, content: Buffer, options: amqplib.Options.Publish) {
      channel.publish(exchange, routingKey, content, options);
      await new Promise((resolve) => setTimeout(resolve, 50));
    },
    forget(...names: string[]) {
      for (const name of names) created.add(name);
    },
    async deleteQueues(...queues: string[]) {
      for (const queue of [...queues, ...created]) await channel.deleteQueue(queue).catch(() => undefined);
    },
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
}

export function consumerQueues(queue: string, delaysMs: number[]): string[] {
  return [queue, `${queue}.parking`, ...delaysMs.map((d) => `${queue}.retry.${d}ms`)];
}

export async function waitFor<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!accept(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await probe();
  }
  return last;
}

const exec = promisify(execFile);

export async function rabbitmqctl(...args: string[]): Promise<void> {
  await exec('rabbitmqctl', ['-q', ...args], { timeout: 90_000 });
}

export async function countRows(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/** Cuts the TCP connection under amqplib, as a crash or a network partition would. */
export function killSocket(connection: MessagingConnection): void {
  const model = connection.manager.connection as unknown as { connection: { stream: Socket } };
  model.connection.stream.destroy(new Error('simulated crash'));
}

export type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
export type BrokerProbe = Awaited<ReturnType<typeof brokerProbe>>;

export interface BrokerFixtureOptions {
  /** Opens one shared, connected MessagingConnection logging here (closed after all tests). */
  logger?: Logger;
  /** A fresh test schema for every test instead of one for the whole file. */
  databasePerTest?: boolean;
}

/**
 * The set-up most broker tests share, as jest hooks: a test schema, a broker
 * probe whose queues are deleted afterwards and, with `logger`, one connected
 * MessagingConnection. Read the parts inside tests (they exist once beforeAll ran).
 */
export function useBrokerFixture(options: BrokerFixtureOptions = {}) {
  let db: TestDatabase | undefined;
  let probe: BrokerProbe | undefined;
  let connection: MessagingConnection | undefined;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`broker fixture: ${what} is only there inside tests`);
    return value;
  };

  beforeAll(async () => {
    if (options.logger) {
      connection = createMessagingConnection({ url: AMQP_URL, logger: options.logger, name: 'messaging-test', reconnectTimeInSeconds: 1 });
      await connection.waitForConnect(10_000);
    }
    if (!options.databasePerTest) db = await createTestDatabase();
    probe = await brokerProbe();
  });
  if (options.databasePerTest) {
    beforeEach(async () => {
      db = await createTestDatabase();
    });
    afterEach(async () => {
      await db?.drop();
    });
  }
  afterAll(async () => {
    await probe?.deleteQueues();
    await probe?.close();
    await connection?.close();
    if (!options.databasePerTest) await db?.drop();
  });

  return {
    get db() {
      return need(db, 'the test database');
    },
    get probe() {
      return need(probe, 'the broker probe');
    },
    get connection() {
      return need(connection, 'the connection (pass a logger)');
    },
  };
}
