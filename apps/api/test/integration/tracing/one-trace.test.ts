import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Pool } from 'pg';
import { transferCompletedEvent } from '@flotilla/contracts';
import { createCapturedLogger, type CapturedLogger } from '@flotilla/logging/testing';
import type { KitInstance } from '@flotilla/service-kit';
import { startTracing, type Tracing } from '@flotilla/tracing';
import type {} from '../../../src/app/consumers/live-updates';
import { buildTestApp, waitFor } from '../../helper';
import { createFundedUser, createTestPool, randomKey, type TestUser } from '../../support/ledger-fixtures';
import { createTestTokenIssuer, type TestTokenIssuer } from '../../support/tokens';

/*
 * Issue 14, "Traces": one trace from the gateway's id to the consumer on
 * another replica, recorded by the production SDK setup (@flotilla/tracing)
 * into an in-memory exporter. Replica A takes the HTTP request and relays the
 * outbox; replica B's broadcast consumer handles the event. Real PostgreSQL and
 * RabbitMQ.
 */

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
let tracing: Tracing;
let replicaA: KitInstance;
let replicaB: KitInstance;
let baseUrlA: string;
let logsB: CapturedLogger;
let pool: Pool;
let tokens: TestTokenIssuer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'api', spanProcessors: [processor] });
  tokens = await createTestTokenIssuer();
  pool = createTestPool(2);
  logsB = createCapturedLogger('api', 'info');
  replicaA = await buildTestApp({ CONSUMERS_ENABLED: 'true', OUTBOX_RELAY_ENABLED: 'true' }, { accessTokenVerifier: tokens.verifier });
  replicaB = await buildTestApp({ CONSUMERS_ENABLED: 'true' }, { accessTokenVerifier: tokens.verifier, logger: logsB.logger });
  await replicaA.listen({ host: '127.0.0.1', port: 0 });
  baseUrlA = `http://127.0.0.1:${(replicaA.server.address() as AddressInfo).port}`;
  await Promise.all([replicaA.liveUpdatesConsumer.waitForReady(), replicaB.liveUpdatesConsumer.waitForReady()]);
  alice = await createFundedUser(pool, 10_000, 'alice');
  bob = await createFundedUser(pool, 0, 'bob');
});

afterAll(async () => {
  await replicaA?.close();
  await replicaB?.close();
  await pool?.end();
  await tracing?.shutdown();
});

const SLOW_MS = 15_000;

/** What docker/nginx sends when the client sent no traceparent: its $request_id as the trace id. */
function gatewayHeaders(): { requestId: string; gatewaySpanId: string; headers: Record<string, string> } {
  const requestId = randomBytes(16).toString('hex');
  const gatewaySpanId = requestId.slice(0, 16);
  return { requestId, gatewaySpanId, headers: { 'x-request-id': requestId, traceparent: `00-${requestId}-${gatewaySpanId}-01` } };
}

const parentOf = (span: ReadableSpan | undefined) => span?.parentSpanContext?.spanId;

describe('one trace from the gateway to a consumer on another replica', () => {
  it('when a transfer comes through the gateway, then the request, the outbox row, the publish and replica B’s handling are one trace under the gateway’s id', async () => {
    const { requestId, gatewaySpanId, headers } = gatewayHeaders();
    const token = await tokens.sign({ sub: alice.userId, scope: 'ledger:write' });

    const response = await fetch(`${baseUrlA}/api/transfers`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${token}`, 'idempotency-key': randomKey(), 'content-type': 'application/json' },
      body: JSON.stringify({ recipientEmail: bob.email, amount: 700 }),
    });
    expect(response.status).toBe(201);
    const { transferId } = (await response.json()) as { transferId: string };

    const queueB = replicaB.liveUpdatesConsumer.queue;
    const spans = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === requestId);
    const consumedOnB = () =>
      spans().find((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.destination.name'] === queueB);
    await waitFor(() => consumedOnB() !== undefined, SLOW_MS);
    await processor.forceFlush();

    // The API request: a child of the gateway's span.
    const request = spans().find((s) => s.name === 'request' && s.attributes['http.route'] === '/api/transfers');
    expect(request).toBeDefined();
    expect(parentOf(request)).toBe(gatewaySpanId);

    // The outbox row holds the trace context of a span inside that request.
    const { rows } = await pool.query<{ id: string; headers: { traceId?: string; traceparent?: string } }>(
      `SELECT id, headers FROM outbox_event WHERE event_name = $1 AND payload->>'transferId' = $2`,
      [transferCompletedEvent.name, transferId],
    );
    expect(rows).toHaveLength(1);
    const [, rowTraceId, rowSpanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(rows[0]?.headers.traceparent ?? '') ?? [];
    expect(rowTraceId).toBe(requestId);
    expect(rows[0]?.headers.traceId).toBe(requestId);
    const writer = spans().find((s) => s.spanContext().spanId === rowSpanId);
    expect(writer).toBeDefined();
    const ancestors = (span: ReadableSpan | undefined): string[] => {
      const parent = spans().find((s) => s.spanContext().spanId === parentOf(span));
      return parent ? [parent.spanContext().spanId, ...ancestors(parent)] : [];
    };
    expect([writer?.spanContext().spanId, ...ancestors(writer)]).toContain(request?.spanContext().spanId);

    // The relay's publish (a separate loop, minutes later in production) is the row's child.
    const publish = spans().find((s) => s.kind === SpanKind.PRODUCER && s.attributes['messaging.message.id'] === rows[0]?.id);
    expect(publish?.name).toBe(`publish ${transferCompletedEvent.name}`);
    expect(parentOf(publish)).toBe(rowSpanId);
    expect(publish).toBeDefined();

    // Replica B handled it as the publish's child, and its log line joins the trace.
    const consumed = consumedOnB();
    expect(parentOf(consumed)).toBe(publish?.spanContext().spanId);
    await logsB.flush();
    const handledLine = logsB.lines().find((line) => line['message'] === 'live update handled' && line['trace.id'] === requestId);
    expect(handledLine?.['span.id']).toBe(consumed?.spanContext().spanId);

    // One tree: every span of the trace hangs off another one of it, or off the gateway's.
    const ids = new Set([gatewaySpanId, ...spans().map((s) => s.spanContext().spanId)]);
    expect(spans().filter((s) => !ids.has(parentOf(s) ?? 'none')).map((s) => s.name)).toEqual([]);
  }, 60_000);
});
