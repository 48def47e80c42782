import { randomBytes, randomUUID } from 'node:crypto';
import type { Options } from 'amqplib';
import { carrierForTraceId, traceCarrierOf, traceIdOf, type TraceCarrier } from './trace-context';
import { HEADER, type MessageMetadata } from './types';

/** An event ready for the wire: the payload was validated when it was created. */
export interface Envelope {
  messageId: string;
  correlationId: string;
  traceId: string;
  /** The cause's W3C trace context; its trace id is traceId. */
  traceContext: TraceCarrier;
  eventName: string;
  eventVersion: number;
  occurredAt: Date;
  payload: unknown;
  /** The payload already as JSON text (the relay reads `payload::text`), sent as is. */
  payloadJson?: string;
}

const TRACE_ID = /^[0-9a-f]{32}$/;

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The trace a new message belongs to: the given context, else the active
 * span's, else the given trace id (or a new one) under a remote parent of that
 * id, so a message always carries a traceparent whose trace id is its x-trace-id.
 */
export function traceOf(meta: Pick<MessageMetadata, 'traceId' | 'traceContext'>): { traceId: string; traceContext: TraceCarrier } {
  for (const carrier of [meta.traceContext, traceCarrierOf()]) {
    const traceId = traceIdOf(carrier);
    if (traceId && carrier) return { traceId, traceContext: carrier };
  }
  const traceId = meta.traceId && TRACE_ID.test(meta.traceId) ? meta.traceId : newTraceId();
  return { traceId, traceContext: carrierForTraceId(traceId) };
}

export function createEnvelope(
  event: { name: string; version: number },
  payload: unknown,
  meta: MessageMetadata = {},
): Envelope {
  const messageId = meta.messageId ?? randomUUID();
  return {
    messageId,
    correlationId: meta.correlationId ?? messageId,
    ...traceOf(meta),
    eventName: event.name,
    eventVersion: event.version,
    occurredAt: meta.occurredAt ?? new Date(),
    payload,
  };
}

/** `trace` is the publish span's context (publisher), by default the envelope's own. */
export function publishOptions(envelope: Envelope, appId?: string, trace: TraceCarrier = envelope.traceContext): Options.Publish {
  return {
    persistent: true,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    messageId: envelope.messageId,
    correlationId: envelope.correlationId,
    type: envelope.eventName,
    // AMQP timestamps are whole seconds (AMQP 0-9-1 §4.2.5.4).
    timestamp: Math.floor(envelope.occurredAt.getTime() / 1000),
    ...(appId ? { appId } : {}),
    headers: {
      [HEADER.traceId]: envelope.traceId,
      ...trace,
      [HEADER.eventName]: envelope.eventName,
      [HEADER.eventVersion]: envelope.eventVersion,
    },
  };
}

/** The parts of an amqplib message the consumer reads; a plain object in unit specs. */
export interface IncomingMessage {
  content: Buffer;
  fields: { redelivered: boolean; routingKey: string };
  properties: {
    messageId?: unknown;
    correlationId?: unknown;
    type?: unknown;
    timestamp?: unknown;
    contentType?: unknown;
    contentEncoding?: unknown;
    appId?: unknown;
    headers?: Record<string, unknown> | undefined;
  };
}

export type DecodedMessage =
  | {
      ok: true;
      messageId: string;
      correlationId: string;
      traceId: string;
      eventName: string;
      eventVersion: number;
      /** Failed attempts before this delivery (0 on the first one). */
      previousAttempts: number;
      payload: unknown;
    }
  | { ok: false; messageId: string | undefined; reason: string };

function headerNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/** Reads what the publisher wrote; anything unreadable is a poison message, never retried. */
export function decodeMessage(msg: IncomingMessage): DecodedMessage {
  const headers = msg.properties.headers ?? {};
  const messageId = typeof msg.properties.messageId === 'string' && msg.properties.messageId ? msg.properties.messageId : undefined;
  if (!messageId) return { ok: false, messageId, reason: 'message has no messageId' };
  const nameHeader = headers[HEADER.eventName] ?? msg.properties.type;
  const eventName = typeof nameHeader === 'string' && nameHeader ? nameHeader : undefined;
  if (!eventName) return { ok: false, messageId, reason: `message has no ${HEADER.eventName} header` };
  const eventVersion = headerNumber(headers[HEADER.eventVersion]);
  if (eventVersion === undefined) return { ok: false, messageId, reason: `message has no valid ${HEADER.eventVersion} header` };
  let payload: unknown;
  try {
    payload = JSON.parse(msg.content.toString('utf8'));
  } catch (err) {
    return { ok: false, messageId, reason: `body is not JSON: ${(err as Error).message}` };
  }
  const traceHeader = headers[HEADER.traceId];
  const traceparentId = traceIdOf(headers);
  return {
    ok: true,
    messageId,
    correlationId: typeof msg.properties.correlationId === 'string' && msg.properties.correlationId ? msg.properties.correlationId : messageId,
    traceId: traceparentId ?? (typeof traceHeader === 'string' && TRACE_ID.test(traceHeader) ? traceHeader : newTraceId()),
    eventName,
    eventVersion,
    previousAttempts: headerNumber(headers[HEADER.attempts]) ?? 0,
    payload,
  };
}

const BROKER_MANAGED_HEADERS = new Set(['x-death', 'x-delivery-count', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', 'x-last-death-exchange', 'x-last-death-queue', 'x-last-death-reason']);

/** Properties for a copy of a consumed message sent to its retry or parking queue. */
export function republishOptions(msg: IncomingMessage, extraHeaders: Record<string, unknown>): Options.Publish {
  const { headers = {}, ...props } = msg.properties as IncomingMessage['properties'] & Record<string, unknown>;
  const kept = Object.fromEntries(Object.entries(headers).filter(([key]) => !BROKER_MANAGED_HEADERS.has(key)));
  const options: Options.Publish = { ...pickPublishProperties(props), persistent: true, headers: { ...kept, ...extraHeaders } };
  return options;
}

function pickPublishProperties(props: Record<string, unknown>): Options.Publish {
  const out: Options.Publish = {};
  if (typeof props['contentType'] === 'string') out.contentType = props['contentType'];
  if (typeof props['contentEncoding'] === 'string') out.contentEncoding = props['contentEncoding'];
  if (typeof props['messageId'] === 'string') out.messageId = props['messageId'];
  if (typeof props['correlationId'] === 'string') out.correlationId = props['correlationId'];
  if (typeof props['type'] === 'string') out.type = props['type'];
  if (typeof props['appId'] === 'string') out.appId = props['appId'];
  if (typeof props['timestamp'] === 'number') out.timestamp = props['timestamp'];
  return out;
}

/** Header values are bounded: a stack trace in every parked message would bloat the queue. */
export function truncateError(err: unknown, max = 1000): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
