import type { Registry } from 'prom-client';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { openChannel, type MessagingConnection } from './connection';
import { createEnvelope, publishOptions, type Envelope } from './envelope';
import { messagingMetrics } from './metrics';
import { declareEventsExchange } from './topology';
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

export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
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
  const channel = openChannel(connection, {
    name: `publisher:${exchange}`,
    publishTimeoutMs,
    setup: (ch) => declareEventsExchange(ch, exchange),
  });

  const inFlight = new Set<Promise<unknown>>();

  async function publishEnvelope(envelope: Envelope): Promise<void> {
    const content = Buffer.from(envelope.payloadJson ?? JSON.stringify(envelope.payload));
    metrics.published.inc({ event: envelope.eventName });
    try {
      // amqp-connection-manager queues the message while disconnected and
      // resends unconfirmed ones after a reconnect; the timeout bounds both.
      const confirmed = channel.wrapper.publish(exchange, envelope.eventName, content, publishOptions(envelope, options.appId));
      inFlight.add(confirmed);
      await confirmed.finally(() => inFlight.delete(confirmed));
    } catch (err) {
      metrics.nacked.inc({ event: envelope.eventName });
      const reason =
        err instanceof Error && err.message === 'timeout'
          ? `no confirm within ${publishTimeoutMs} ms (broker unreachable?)`
          : err instanceof Error
            ? err.message
            : String(err);
      throw new PublishFailedError(`publishing ${envelope.eventName} ${envelope.messageId} failed: ${reason}`, { cause: err });
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
