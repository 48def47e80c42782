import { randomBytes } from 'node:crypto';
import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C Trace Context as it travels in AMQP application properties and in the
 * outbox row: `traceparent` and `tracestate`, the names of the W3C AMQP
 * binding draft (https://w3c.github.io/trace-context-amqp/).
 */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

// The W3C propagator itself, not the global one: the global propagator is a
// no-op until an OpenTelemetry SDK registers one, and a message must carry its
// trace context in every process, tracing SDK or not.
const w3c = new W3CTraceContextPropagator();

export const TRACER_NAME = '@flotilla/messaging';

/** The context's span as W3C headers; empty when it has no valid span. */
export function traceCarrierOf(ctx: Context = context.active()): TraceCarrier {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, defaultTextMapSetter);
  return pickCarrier(carrier);
}

/** The remote parent a carrier names; ROOT_CONTEXT when it names none (or a malformed one). */
export function contextOf(carrier: TraceCarrier | Record<string, unknown> | undefined): Context {
  const headers: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate'] as const) {
    const value: unknown = (carrier as Record<string, unknown> | undefined)?.[key];
    if (typeof value === 'string') headers[key] = value;
    else if (Buffer.isBuffer(value)) headers[key] = value.toString('utf8');
  }
  return w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

/** The trace id of a carrier's traceparent, when it is a valid one. */
export function traceIdOf(carrier: TraceCarrier | Record<string, unknown> | undefined): string | undefined {
  const spanContext = trace.getSpanContext(contextOf(carrier));
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/**
 * A carrier for a message that has only a trace id (rows written before the
 * outbox stored the trace context, or a publish outside any span): a remote
 * parent with that trace id, so the message's spans join the trace the id
 * names instead of starting one the logs cannot find.
 */
export function carrierForTraceId(traceId: string): TraceCarrier {
  return { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

function pickCarrier(carrier: Record<string, string>): TraceCarrier {
  const out: TraceCarrier = {};
  if (carrier['traceparent']) out.traceparent = carrier['traceparent'];
  if (carrier['tracestate']) out.tracestate = carrier['tracestate'];
  return out;
}

/**
 * Runs `work` in a span of `kind` whose parent is `parent`, ends it when the
 * work settles and marks it failed on a rejection. Without an SDK the span is
 * a non-recording copy of the parent, so the carrier still names the trace.
 */
export async function inSpan<T>(
  name: string,
  kind: SpanKind,
  parent: Context,
  attributes: Attributes,
  work: (carrier: TraceCarrier) => Promise<T>,
): Promise<T> {
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind, attributes }, parent);
  const ctx = trace.setSpan(parent, span);
  try {
    return await context.with(ctx, () => work(traceCarrierOf(ctx)));
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * A delivery's handling as a CONSUMER span, child of the publish span the
 * message's traceparent names; the handler (and its log lines) run inside it.
 */
export function inConsumerSpan<T>(
  queue: string,
  msg: { fields: { routingKey: string }; properties: { messageId?: unknown; headers?: Record<string, unknown> | undefined } },
  work: () => Promise<T>,
): Promise<T> {
  const attributes: Attributes = {
    'messaging.system': 'rabbitmq',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': queue,
    'messaging.rabbitmq.destination.routing_key': msg.fields.routingKey,
  };
  if (typeof msg.properties.messageId === 'string') attributes['messaging.message.id'] = msg.properties.messageId;
  return inSpan(`process ${msg.fields.routingKey}`, SpanKind.CONSUMER, contextOf(msg.properties.headers), attributes, work);
}

export { SpanKind };
