import { randomBytes } from 'node:crypto';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { Pool } from 'pg';
import { transferCompletedEvent } from '@flotilla/contracts';
import { createCapturedLogger, type CapturedLogger } from '@flotilla/logging/testing';
import { DEFAULT_EVENTS_EXCHANGE, HEADER } from '@flotilla/messaging';
import type { KitInstance } from '@flotilla/service-kit';
import type {} from '../../../src/app/consumers/live-updates';
import { buildTestApp, waitFor } from '../../helper';
import { createFundedUser, createTestPool, randomKey, type TestUser } from '../../support/ledger-fixtures';
import { createTestTokenIssuer, type TestTokenIssuer } from '../../support/tokens';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

let replicaA: KitInstance;
let replicaB: KitInstance;
let logsA: CapturedLogger;
let logsB: CapturedLogger;
let pool: Pool;
let tokens: TestTokenIssuer;
let alice: TestUser;
let bob: TestUser;
let broker: ChannelModel;
let observer: Channel;
const published: ConsumeMessage[] = [];

beforeAll(async () => {
  tokens = await createTestTokenIssuer();
  pool = createTestPool(2);
  logsA = createCapturedLogger('api', 'info');
  logsB = createCapturedLogger('api', 'info');
  // A takes the request and relays the outbox; B is a second replica whose broadcast consumer sees the message too.
  replicaA = await buildTestApp(
    { CONSUMERS_ENABLED: 'true', OUTBOX_RELAY_ENABLED: 'true' },
    { accessTokenVerifier: tokens.verifier, logger: logsA.logger },
  );
  replicaB = await buildTestApp({ CONSUMERS_ENABLED: 'true' }, { accessTokenVerifier: tokens.verifier, logger: logsB.logger });
  await Promise.all([replicaA.liveUpdatesConsumer.waitForReady(), replicaB.liveUpdatesConsumer.waitForReady()]);

  broker = await connect(AMQP_URL);
  observer = await broker.createChannel();
  const { queue } = await observer.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
  await observer.bindQueue(queue, DEFAULT_EVENTS_EXCHANGE, transferCompletedEvent.name);
  await observer.consume(queue, (msg) => {
    if (msg) published.push(msg);
  }, { noAck: true });

  alice = await createFundedUser(pool, 10_000, 'alice');
  bob = await createFundedUser(pool, 0, 'bob');
});

afterAll(async () => {
  await broker?.close();
  await replicaA?.close();
  await replicaB?.close();
  await pool?.end();
});

// The relay and two consumers on a shared, busy machine: generous bounds, never a timing assertion.
const SLOW_MS = 15_000;

const withTraceId = (id: string) => (line: Record<string, unknown>) => line['trace.id'] === id;

describe('one id across the API, the outbox, the broker and a consumer', () => {
  it('when a transfer is posted with an x-request-id, then that id is in the response, the request log, the outbox row, the AMQP headers and both replicas’ consumer logs', async () => {
    // The shape nginx's $request_id has: 16 random bytes in hex, also a W3C trace id.
    const requestId = randomBytes(16).toString('hex');
    const token = await tokens.sign({ sub: alice.userId, scope: 'ledger:write' });

    const response = await replicaA.inject({
      method: 'POST',
      url: '/api/transfers',
      headers: {
        authorization: `Bearer ${token}`,
        'idempotency-key': randomKey(),
        'x-request-id': requestId,
        'content-type': 'application/json',
      },
      payload: { recipientEmail: bob.email, amount: 1_250 },
    });
    expect(response.statusCode).toBe(201);
    const transferId = response.json<{ transferId: string }>().transferId;

    expect(response.headers['x-request-id']).toBe(requestId);

    await logsA.flush();
    const requestLine = logsA.lines().find((line) => line['message'] === 'request completed' && line['http.route'] === '/api/transfers');
    expect(requestLine).toMatchObject({ 'trace.id': requestId, 'http.response.status_code': 201 });

    const { rows } = await pool.query<{ headers: { traceId?: string; correlationId?: string } }>(
      `SELECT headers FROM outbox_event WHERE event_name = $1 AND payload->>'transferId' = $2`,
      [transferCompletedEvent.name, transferId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.headers).toEqual({
      traceId: requestId,
      correlationId: requestId,
      traceparent: expect.stringMatching(new RegExp(`^00-${requestId}-[0-9a-f]{16}-01$`)),
    });

    const isOurs = (msg: ConsumeMessage) => (JSON.parse(msg.content.toString('utf8')) as { transferId?: string }).transferId === transferId;
    await waitFor(() => published.some(isOurs), SLOW_MS);
    const message = published.find(isOurs);
    expect(message?.properties.headers?.[HEADER.traceId]).toBe(requestId);
    expect(message?.properties.correlationId).toBe(requestId);

    for (const logs of [logsA, logsB]) {
      await waitFor(async () => {
        await logs.flush();
        return logs.lines().some((line) => line['message'] === 'live update handled' && withTraceId(requestId)(line));
      }, SLOW_MS);
    }
    await logsB.flush();
    const consumerLine = logsB.lines().find((line) => line['message'] === 'live update handled' && withTraceId(requestId)(line));
    expect(consumerLine).toMatchObject({ 'correlation.id': requestId, 'event.action': transferCompletedEvent.name });
  }, 60_000);

  it('when the request id is not a W3C trace id, then it still reaches the message and the consumer as the correlation id', async () => {
    const requestId = `client-${randomKey()}`;
    const token = await tokens.sign({ sub: alice.userId, scope: 'ledger:write' });

    const response = await replicaA.inject({
      method: 'POST',
      url: '/api/transfers',
      headers: {
        authorization: `Bearer ${token}`,
        'idempotency-key': randomKey(),
        'x-request-id': requestId,
        'content-type': 'application/json',
      },
      payload: { recipientEmail: bob.email, amount: 10 },
    });
    expect(response.statusCode).toBe(201);
    const transferId = response.json<{ transferId: string }>().transferId;

    const isOurs = (msg: ConsumeMessage) => (JSON.parse(msg.content.toString('utf8')) as { transferId?: string }).transferId === transferId;
    await waitFor(() => published.some(isOurs), SLOW_MS);
    const message = published.find(isOurs);
    expect(message?.properties.correlationId).toBe(requestId);
    expect(message?.properties.headers?.[HEADER.traceId]).toMatch(/^[0-9a-f]{32}$/);
    await waitFor(async () => {
      await logsB.flush();
      return logsB.lines().some((line) => line['message'] === 'live update handled' && line['correlation.id'] === requestId);
    }, SLOW_MS);
  }, 60_000);
});
