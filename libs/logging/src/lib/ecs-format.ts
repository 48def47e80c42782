import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { format, type Logform } from 'winston';

// winston's transports write whatever the format put under this symbol
// (triple-beam's MESSAGE; Symbol.for makes it the same symbol without the import).
const MESSAGE = Symbol.for('message');
const LEVEL = Symbol.for('level');

/** The keys a caller may pass that carry an Error; each is turned into ECS `error.*`. */
const ERROR_KEYS = ['err', 'error'] as const;

export interface EcsFormatOptions {
  service: string;
  /** Clock for `@timestamp`; tests pin it. */
  now?: () => Date;
}

/**
 * A winston format producing one ECS JSON object per line
 * (https://www.elastic.co/guide/en/ecs-logging/overview/current/intro.html):
 * `@timestamp`, `log.level`, `message` and `ecs.version` first, then
 * `service.name`, then the caller's fields as given (dotted ECS keys such as
 * `trace.id` or `http.request.method`); inside an OpenTelemetry span,
 * `trace.id` and `span.id` are that span's. An Error under `err` or `error`
 * becomes `error.type`, `error.message`, `error.stack_trace` and `error.code`.
 * It never throws: an unserialisable field is replaced, never dropped silently.
 */
export function ecsFormat(options: EcsFormatOptions): Logform.Format {
  const now = options.now ?? (() => new Date());
  const toEcs = format((info) => {
    const record = info as unknown as Record<string | symbol, unknown>;
    const line: Record<string, unknown> = {
      '@timestamp': now().toISOString(),
      'log.level': record[LEVEL] ?? info.level,
      message: messageOf(info.message),
      'ecs.version': '8.11.0',
      'service.name': options.service,
    };
    // A line of strings, numbers and booleans (every request line) needs no
    // replacer: plain JSON.stringify is several times faster than safeStringify.
    let plain = true;
    for (const key of Object.keys(record)) {
      if (key === 'level' || key === 'message' || key === 'service.name')
        continue;
      const value = record[key];
      if (
        (ERROR_KEYS as readonly string[]).includes(key) &&
        value instanceof Error
      ) {
        Object.assign(line, errorFields(value));
      } else if (value !== undefined) {
        if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') plain = false;
        line[key] = value;
      }
    }
    // Inside a span (OpenTelemetry), the line carries that span's ids, so a log
    // line and its trace join on trace.id; outside one, the caller's trace.id
    // (the request id) stays.
    const span = trace.getSpanContext(context.active());
    if (span && isSpanContextValid(span)) {
      line['trace.id'] = span.traceId;
      // A remote span context is the caller's span (no SDK records one here): not this line's.
      if (!span.isRemote) line['span.id'] = span.spanId;
    }
    // winston merges an Error passed as meta into info (message, stack); keep the stack.
    if (
      typeof record['stack'] === 'string' &&
      line['error.stack_trace'] === undefined
    ) {
      line['error.stack_trace'] = record['stack'];
      delete line['stack'];
    }
    record[MESSAGE] = plain ? JSON.stringify(line) : safeStringify(line);
    return info;
  });
  return toEcs();
}

function messageOf(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message instanceof Error) return message.message;
  if (message === undefined || message === null) return '';
  return safeStringify(message);
}

export function errorFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    'error.type': error.name,
    'error.message': error.message,
  };
  if (error.stack) fields['error.stack_trace'] = error.stack;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number')
    fields['error.code'] = String(code);
  if (error.cause instanceof Error)
    fields['error.cause'] = `${error.cause.name}: ${error.cause.message}`;
  return fields;
}

/** JSON.stringify that survives cycles, BigInt and throwing toJSON methods. */
export function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Error) return { ...errorFields(v) };
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return v;
    });
  } catch (error) {
    return JSON.stringify({
      'log.level': 'error',
      message: 'log record could not be serialised',
      'error.message': error instanceof Error ? error.message : String(error),
    });
  }
}
