import type { Static, TSchema } from 'typebox';
import type { TraceCarrier } from './trace-context';

/**
 * The shape of an event from libs/contracts (`defineEvent`): its name is also
 * the routing key on the events exchange; a breaking payload change is a new
 * version. Kept structural so this lib builds without the contracts project.
 */
export interface EventDefinition<S extends TSchema = TSchema> {
  readonly name: string;
  readonly version: number;
  readonly schema: S;
}

export type EventPayloadOf<E extends EventDefinition> = Static<E['schema']>;

/**
 * What the lib needs from a logger: winston's leveled methods. Meta keys
 * follow ECS (`trace.id`, `event.id`, `correlation.id`, `error.message`), the
 * same fields libs/logging writes.
 */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}

/** Ids that travel with a message; taken from the HTTP request that caused it. */
export interface MessageMetadata {
  /** Defaults to a new UUID. Consumers deduplicate on it, so a retry of the same event must reuse it. */
  messageId?: string;
  /** Defaults to the message id. */
  correlationId?: string;
  /** W3C trace id (32 hex); a new one is generated when absent. */
  traceId?: string;
  /**
   * W3C trace context of the cause (an outbox row's, or the active span's when
   * absent); its trace id wins over `traceId`.
   */
  traceContext?: TraceCarrier;
  /** Defaults to now. */
  occurredAt?: Date;
}

export const DEFAULT_EVENTS_EXCHANGE = 'flotilla.events';

export const HEADER = {
  traceId: 'x-trace-id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  eventName: 'x-event-name',
  eventVersion: 'x-event-version',
  attempts: 'x-attempts',
  lastError: 'x-last-error',
  parkingReason: 'x-parking-reason',
  parkedAt: 'x-parked-at',
  originalQueue: 'x-original-queue',
} as const;

export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    error: (message, meta) => logger.error(message, { ...fields, ...meta }),
    warn: (message, meta) => logger.warn(message, { ...fields, ...meta }),
    info: (message, meta) => logger.info(message, { ...fields, ...meta }),
    debug: (message, meta) => logger.debug(message, { ...fields, ...meta }),
  };
}

export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    return { 'error.type': err.name, 'error.message': err.message, 'error.stack_trace': err.stack };
  }
  return { 'error.message': String(err) };
}
