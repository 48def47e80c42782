import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { contextOf, inConsumerSpan, inSpan, traceCarrierOf, traceIdOf, type TraceCarrier } from './trace-context';

const parent = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };

describe('trace context', () => {
  it('when a carrier names a valid parent, then its trace id is read; a malformed one names none', () => {
    expect(traceIdOf(parent)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf({ traceparent: Buffer.from(parent.traceparent) })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' })).toBeUndefined();
    expect(traceIdOf({ traceparent: 'garbage' })).toBeUndefined();
    expect(traceIdOf(undefined)).toBeUndefined();
  });

  it('when no tracing SDK is registered, then a span still passes its parent trace on', async () => {
    const carrier = await inSpan('publish x', SpanKind.PRODUCER, contextOf(parent), {}, async (c: TraceCarrier) => c);
    expect(traceIdOf(carrier)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  describe('with an SDK', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    beforeAll(() => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      trace.setGlobalTracerProvider(provider);
    });
    afterAll(async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
    });
    beforeEach(() => exporter.reset());

    it('when a delivery is handled, then its CONSUMER span is the child of the message traceparent and is active in the handler', async () => {
      const msg = { fields: { routingKey: 'transfer.completed' }, properties: { messageId: 'm-1', headers: { traceparent: parent.traceparent } } };
      const inside = await inConsumerSpan('api.live-updates', msg, async () => traceCarrierOf(context.active()));

      const [span] = exporter.getFinishedSpans();
      expect(span).toMatchObject({ name: 'process transfer.completed', kind: SpanKind.CONSUMER });
      expect(span?.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(span?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
      expect(inside.traceparent).toBe(`00-${span?.spanContext().traceId}-${span?.spanContext().spanId}-01`);
    });

    it('when the work fails, then the span is ended with an error status and the error is rethrown', async () => {
      await expect(inSpan('publish x', SpanKind.PRODUCER, contextOf(parent), {}, async () => Promise.reject(new Error('nack')))).rejects.toThrow('nack');
      expect(exporter.getFinishedSpans()[0]?.status).toMatchObject({ code: 2, message: 'nack' });
    });
  });
});
