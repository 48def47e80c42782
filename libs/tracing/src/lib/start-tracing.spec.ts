import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
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
});
