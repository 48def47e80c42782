import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createCapturedLogger } from '../testing';
import { createFastifyLogger } from './fastify-logger';

const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
const inSpan = <T>(fn: () => T): T => context.with(trace.setSpanContext(context.active(), spanContext), fn);

describe('trace fields', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => context.setGlobalContextManager(manager.enable()));
  afterAll(() => {
    context.disable();
  });

  it('when a line is written inside a span, then trace.id and span.id are the span ids (not the request id)', async () => {
    const { logger, lines, flush } = createCapturedLogger('api');
    const log = createFastifyLogger(logger).child({ reqId: 'gateway-request-1' });

    inSpan(() => log.info('request completed'));
    await flush();

    expect(lines()[0]).toMatchObject({
      'trace.id': spanContext.traceId,
      'span.id': spanContext.spanId,
      'http.request.id': 'gateway-request-1',
    });
  });

  it('when the active span is the remote caller’s (tracing without an SDK), then trace.id is its, span.id is not written', async () => {
    const { logger, lines, flush } = createCapturedLogger('api');
    context.with(trace.setSpanContext(context.active(), { ...spanContext, isRemote: true }), () => logger.info('handled'));
    await flush();

    expect(lines()[0]).toMatchObject({ 'trace.id': spanContext.traceId });
    expect(lines()[0]).not.toHaveProperty('span.id');
  });

  it('when no span is active, then the request id stays the trace id and no span.id is written', async () => {
    const { logger, lines, flush } = createCapturedLogger('api');
    createFastifyLogger(logger).child({ reqId: 'gateway-request-2' }).info('request completed');
    await flush();

    expect(lines()[0]).toMatchObject({ 'trace.id': 'gateway-request-2', 'http.request.id': 'gateway-request-2' });
    expect(lines()[0]).not.toHaveProperty('span.id');
  });
});
