import type { Registry } from 'prom-client';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { openChannel, type MessagingConnection } from './connection';
import { createEnvelope, publishOptions, type Envelope } from './envelope';
import { messagingMetrics } from './metrics';
import { declareTopology, type MessagingTopology } from './topology';
import { contextOf, inSpan, SpanKind, type TraceCarrier } from './trace-context';
import { DEFAULT_EVENTS_EXCHANGE, errorFields, type EventDefinition, type EventPayloadOf, type Logger, type MessageMetadata } from './types';

export interface PublisherOptions {
  connection: MessagingConnection;
  logger: Logger;
  registry: Registry;
  exchange?: string;
  /**
   * How long a publish may wait for a connection and the broker's confirm
   * before it is rejected. Default 10 s.
   */
  publishTimeoutMs?: number;
  /** AMQP app-id, e.g. the service name. */
  appId?: string;
  /**
   * The system's durable queues, declared on every (re)connect before anything
   * is published. Every event not listed in `unroutable` is published with
   * `mandatory`; one the broker returns (no queue bound) fails like a nack.
   */
  topology?: MessagingTopology;
}

export interface Publisher {
  /** Validates the payload (throws InvalidEventPayloadError), publishes, resolves after the broker confirmed. */
  publish<E extends EventDefinition>(event: E, payload: EventPayloadOf<E>, meta?: MessageMetadata): Promise<{ messageId: string }>;
  /** For payloads validated earlier (the outbox relay). Resolves after the confirm; the caller logs failures. */
  publishEnvelope(envelope: Envelope): Promise<void>;
  isConnected(): boolean;
  /** Resolves once the exchange is declared on a live channel. */
  waitForReady(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export class InvalidEventPayloadError extends Error {
  override readonly name = 'InvalidEventPayloadError';
  constructor(
    readonly eventName: string,
    readonly errors: readonly { instancePath: string; message: string }[],
  ) {
    super(`invalid payload for event ${eventName}: ${errors.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`);
  }
}

/**
 * `returned`: no queue is bound to the routing key (a `mandatory` message came
 * back); `nacked`: the broker refused it; `unavailable`: no confirm in time or
 * the channel closed (broker trouble, not this message's fault).
 */
export type PublishFailureReason = 'returned' | 'nacked' | 'unavailable';

export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
  constructor(
    message: string,
    readonly reason: PublishFailureReason = 'unavailable',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function assertValidPayload(event: EventDefinition, payload: unknown): void {
  const schema: TSchema = event.schema;
  if (!Value.Check(schema, payload)) {
    const errors = Value.Errors(schema, payload)
      .slice(0, 10)
      .map((e) => ({ instancePath: e.instancePath, message: e.message }));
    throw new InvalidEventPayloadError(event.name, errors);
  }
}

export function createPublisher(options: PublisherOptions): Publisher {
  const { connection, logger } = options;
  const exchange = options.exchange ?? DEFAULT_EVENTS_EXCHANGE;
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  const metrics = messagingMetrics(options.registry);
  const topology: MessagingTopology = options.topology ?? { queues: [] };
  const mayGoUnrouted = new Set(topology.unroutable ?? []);
  /** Message ids the broker returned: basic.return arrives before the publish's basic.ack (AMQP 0-9-1, confirms). */
  const returned = new Map<string, string>();
  const channel = openChannel(connection, {
    name: `publisher:${exchange}`,
    publishTimeoutMs,
    setup: async (ch) => {
      ch.on('return', (msg: { fields: { replyCode: number; replyText: string; routingKey: string }; properties: { messageId?: string } }) => {
        const id = msg.properties.messageId;
        if (id) returned.set(id, `${msg.fields.replyCode} ${msg.fields.replyText}: no queue is bound to routing key ${msg.fields.routingKey}`);
      });
      await declareTopology(ch, exchange, topology);
    },
  });

  const inFlight = new Set<Promise<unknown>>();

  // A PRODUCER span, child of the message's cause (for the relay: the request
  // that wrote the outbox row); the message carries the span as its traceparent.
  function publishEnvelope(envelope: Envelope): Promise<void> {
    const attributes = {
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.destination.name': exchange,
      'messaging.rabbitmq.destination.routing_key': envelope.eventName,
      'messaging.message.id': envelope.messageId,
    };
    return inSpan(`publish ${envelope.eventName}`, SpanKind.PRODUCER, contextOf(envelope.traceContext), attributes, (trace) => sendEnvelope(envelope, trace));
  }

  async function sendEnvelope(envelope: Envelope, trace: TraceCarrier): Promise<void> {
    const content = Buffer.from(envelope.payloadJson ?? JSON.stringify(envelope.payload));
    metrics.published.inc({ event: envelope.eventName });
    try {
      // amqp-connection-manager queues the message while disconnected and
      // resends unconfirmed ones after a reconnect; the timeout bounds both.
      const mandatory = !mayGoUnrouted.has(envelope.eventName);
      const confirmed = channel.wrapper.publish(exchange, envelope.eventName, content, { ...publishOptions(envelope, options.appId, trace), mandatory });
      inFlight.add(confirmed);
      await confirmed.finally(() => inFlight.delete(confirmed));
    } catch (err) {
      returned.delete(envelope.messageId);
      metrics.nacked.inc({ event: envelope.eventName });
      const timedOut = err instanceof Error && err.message === 'timeout';
      const detail = timedOut ? `no confirm within ${publishTimeoutMs} ms (broker unreachable?)` : err instanceof Error ? err.message : String(err);
      const reason: PublishFailureReason = timedOut || !connection.isConnected() ? 'unavailable' : 'nacked';
      throw new PublishFailedError(`publishing ${envelope.eventName} ${envelope.messageId} failed: ${detail}`, reason, { cause: err });
    }
    const returnedBecause = returned.get(envelope.messageId);
    if (returnedBecause !== undefined) {
      returned.delete(envelope.messageId);
      metrics.returned.inc({ event: envelope.eventName });
      throw new PublishFailedError(`publishing ${envelope.eventName} ${envelope.messageId} failed: returned by the broker (${returnedBecause})`, 'returned');
    }
    metrics.confirmed.inc({ event: envelope.eventName });
  }

  return {
    async publish(event, payload, meta) {
      assertValidPayload(event, payload);
      const envelope = createEnvelope(event, payload, meta);
      try {
        await publishEnvelope(envelope);
      } catch (err) {
        logger.error((err as Error).message, {
          'event.id': envelope.messageId,
          'event.action': envelope.eventName,
          'trace.id': envelope.traceId,
          'correlation.id': envelope.correlationId,
          ...errorFields(err),
        });
        throw err;
      }
      return { messageId: envelope.messageId };
    },
    publishEnvelope,
    isConnected: () => connection.isConnected() && channel.current() !== undefined,
    waitForReady: (timeoutMs = 30_000) => channel.waitForSetup(timeoutMs),
    async close() {
      // Closing the channel would reject the publishes still waiting for their confirm.
      await Promise.allSettled([...inFlight]);
      await channel.close();
    },
  };
}
