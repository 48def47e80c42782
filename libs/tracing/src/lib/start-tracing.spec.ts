import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { startTracing, type Tracing } from './start-tracing';

const incoming = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };

// One SDK per process (the OpenTelemetry API registers globals once): each case
// runs in its own module registry with the globals cleared.
function fresh(): void {
  trace.disable();
  context.disable();
  propagation.disable();
}

describe('startTracing', () => {
  let tracing: Tracing | undefined;
  afterEach(async () => {
    await tracing?.shutdown();
    tracing = undefined;
    fresh();
  });

  it('when no endpoint is set, then nothing records, yet an incoming traceparent is continued', async () => {
    tracing = startTracing({ serviceName: 'api' });
    const parent = propagation.extract(ROOT_CONTEXT, incoming);
    const span = trace.getTracer('t').startSpan('request', {}, parent);
    const out: Record<string, string> = {};
    context.with(trace.setSpan(parent, span), () => propagation.inject(context.active(), out));
    span.end();

    expect(tracing.recording).toBe(false);
    expect(span.isRecording()).toBe(false);
    expect(out['traceparent']).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-/);
  });

  it('when a processor is given, then spans are recorded as children of the incoming trace under the service name', async () => {
    const exporter = new InMemorySpanExporter();
    const processor = new SimpleSpanProcessor({ exporter });
    tracing = startTracing({ serviceName: 'api', spanProcessors: [processor] });
    const span = trace.getTracer('t').startSpan('request', {}, propagation.extract(ROOT_CONTEXT, incoming));
    span.end();
    await processor.forceFlush();

    const [finished] = exporter.getFinishedSpans();
    expect(tracing.recording).toBe(true);
    expect(finished?.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(finished?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(finished?.resource.attributes['service.name']).toBe('api');
  });

  // A loopback server stands in for auth: the point is the header that reaches it.
  describe('fetch() to another service', () => {
    let server: Server;
    let received: (string | undefined)[];
    let url: string;
    beforeAll(async () => {
      received = [];
      server = createServer((req, res) => {
        received.push(req.headers['traceparent'] as string | undefined);
        res.end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('when the api fetches inside a request span, then a client span of the same trace is recorded and its traceparent reaches the server', async () => {
      const exporter = new InMemorySpanExporter();
      const processor = new SimpleSpanProcessor({ exporter });
      tracing = startTracing({ serviceName: 'api', spanProcessors: [processor] });
      const request = trace.getTracer('t').startSpan('request', {}, propagation.extract(ROOT_CONTEXT, incoming));

      await context.with(trace.setSpan(ROOT_CONTEXT, request), async () => (await fetch(url)).text());
      request.end();
      await processor.forceFlush();

      const client = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.CLIENT);
      expect(client?.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(client?.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(client?.attributes['url.full']).toBe(url);
      expect(received.at(-1)).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${client?.spanContext().spanId}-01`);
    });

    it('when the api fetches outside any span (a key refresh), then no span is started and no traceparent is sent', async () => {
      const exporter = new InMemorySpanExporter();
      const processor = new SimpleSpanProcessor({ exporter });
      tracing = startTracing({ serviceName: 'api', spanProcessors: [processor] });

      await context.with(ROOT_CONTEXT, async () => (await fetch(url)).text());
      await processor.forceFlush();

      expect(exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT)).toEqual([]);
      expect(received.at(-1)).toBeUndefined();
    });
  });
});
