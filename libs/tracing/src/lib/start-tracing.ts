import type { IncomingMessage } from 'node:http';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TracingOptions {
  serviceName: string;
  serviceVersion?: string;
  /**
   * OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://otel-collector:4318). Spans are
   * exported over OTLP/HTTP only when it is set; the exporter reads the rest
   * of its OTEL_EXPORTER_OTLP_* settings itself.
   */
  otlpEndpoint?: string | undefined;
  /** More processors, e.g. a SimpleSpanProcessor over an InMemorySpanExporter in tests. */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** True when spans are recorded (an exporter or processors were given). */
  readonly recording: boolean;
  /** Flushes the spans still buffered and stops the SDK. */
  shutdown(): Promise<void>;
}

/** Probes and scrapes: every few seconds each, never worth a trace. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

function untraced(req: IncomingMessage): boolean {
  return UNTRACED_PATHS.has((req.url ?? '').split('?', 1)[0] ?? '');
}

/**
 * Starts the OpenTelemetry Node SDK: W3C Trace Context propagation and the
 * http, Fastify, pg and undici (fetch) instrumentations. Call it before
 * fastify and pg are loaded (the app's first import): the instrumentations patch modules as they
 * are required.
 *
 * With no endpoint and no processors no tracer provider is registered at all:
 * spans are non-recording, so the incoming traceparent is still continued
 * (logs, the outbox and AMQP headers carry it) at next to no cost. Metrics and
 * logs go through prom-client and winston, never through the SDK.
 */
export function startTracing(options: TracingOptions): Tracing {
  const spanProcessors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) spanProcessors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
  const recording = spanProcessors.length > 0;
  const instrumentations = [
    new HttpInstrumentation({ ignoreIncomingRequestHook: untraced }),
    // Route and hook spans, only when they are recorded: a span per hook cost
    // about half the read path's throughput with nothing to export
    // (tools/bench read, issue 14), while the http server span alone carries
    // the incoming trace. Through Fastify's diagnostics channel, so it needs
    // no require hook and works in tests too.
    ...(recording ? [new FastifyOtelInstrumentation({ registerOnInitialization: true, ignorePaths: (opts: { url: string }) => UNTRACED_PATHS.has(opts.url) })] : []),
    // A query outside any span (the relay's polling, the outbox gauges) is not a trace of its own.
    new PgInstrumentation({ requireParentSpan: true }),
    // fetch() (Node's undici: the api's calls to auth, the JWKS and discovery
    // documents) is not seen by the http instrumentation. This one makes the
    // client span and sends its traceparent, so auth's side joins the same
    // trace. A fetch outside any span (a key refresh) starts none.
    new UndiciInstrumentation({ requireParentforSpans: true }),
  ];
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
    }),
    spanProcessors,
    // Explicitly none: the SDK would otherwise read OTEL_METRICS_EXPORTER and
    // OTEL_LOGS_EXPORTER, and the latter defaults to OTLP.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations,
  });
  sdk.start();
  return {
    recording,
    // NodeSDK's shutdown leaves the instrumentations subscribed to their
    // diagnostics channels: a stopped SDK would still add headers to fetches.
    shutdown: async () => {
      await sdk.shutdown();
      for (const instrumentation of instrumentations) instrumentation.disable();
    },
  };
}
