import { format } from 'node:util';
import type { FastifyBaseLogger } from 'fastify';
import {
  LOG_LEVELS,
  type LogLevel,
  type LogLevelSetting,
  type Logger,
} from './create-logger';

type Fields = Record<string, unknown>;

/**
 * Fastify's own log calls are pino-style (`log.info(obj?, msg?, ...args)`) and
 * carry pino's conventional keys; this maps them to ECS so they land in the same
 * stream as everything else.
 */
function toEcsFields(source: Fields): Fields {
  const fields: Fields = {};
  for (const [key, value] of Object.entries(source)) {
    switch (key) {
      case 'reqId':
        // The request id doubles as the trace id when no span is active (ecsFormat).
        fields['http.request.id'] = value;
        fields['trace.id'] = value;
        break;
      case 'req': {
        // Never serialise the request object: it is huge, cyclic and holds headers (cookies, tokens).
        const req = value as { method?: unknown; url?: unknown } | undefined;
        if (typeof req?.method === 'string')
          fields['http.request.method'] = req.method;
        if (typeof req?.url === 'string')
          fields['url.path'] = req.url.split('?', 1)[0];
        break;
      }
      case 'res': {
        const res = value as { statusCode?: unknown } | undefined;
        if (typeof res?.statusCode === 'number')
          fields['http.response.status_code'] = res.statusCode;
        break;
      }
      case 'responseTime':
        if (typeof value === 'number')
          fields['event.duration'] = Math.round(value * 1e6);
        break;
      default:
        fields[key] = value;
    }
  }
  return fields;
}

function emit(target: Logger, level: LogLevel, args: unknown[]): void {
  try {
    let fields: Fields = {};
    let rest = args;
    const first = args[0];
    if (first instanceof Error) {
      fields = { err: first };
      rest = args.length > 1 ? args.slice(1) : [first.message];
    } else if (typeof first === 'object' && first !== null) {
      fields = toEcsFields(first as Fields);
      rest = args.slice(1);
    }
    const [template, ...params] = rest;
    const message =
      typeof template === 'string'
        ? params.length > 0
          ? format(template, ...params)
          : template
        : template === undefined
          ? ''
          : format('%o', template);
    target.log(level, message, fields);
  } catch {
    // Logging must never take a request down.
  }
}

/**
 * Fastify makes a child logger for every request (its reqId binding), so the
 * adapter is a class: a child is one small object and one winston child, not a
 * fresh set of closures per request (issue #16 profile).
 */
class FastifyLoggerAdapter {
  constructor(
    private readonly target: Logger,
    private state: LogLevelSetting,
  ) {}

  get level(): string {
    return this.state;
  }

  set level(value: string) {
    if (value === 'silent' || value in LOG_LEVELS)
      this.state = value as LogLevelSetting;
  }

  private write(level: LogLevel, args: unknown[]): void {
    if (this.state !== 'silent' && LOG_LEVELS[level] <= LOG_LEVELS[this.state])
      emit(this.target, level, args);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {
    // pino's no-op level.
  }

  child(bindings: Fields, options?: { level?: string }): FastifyBaseLogger {
    const childLevel =
      options?.level &&
      (options.level === 'silent' || options.level in LOG_LEVELS)
        ? (options.level as LogLevelSetting)
        : this.state;
    return new FastifyLoggerAdapter(
      this.target.child(toEcsFields(bindings ?? {})),
      childLevel,
    ) as unknown as FastifyBaseLogger;
  }
}

/**
 * A pino-compatible logger (the shape Fastify's `loggerInstance` requires) that
 * writes through the given winston logger. Its level starts at the winston
 * logger's; a child may lower or raise it (Fastify's per-route `logLevel`).
 */
export function createFastifyLogger(logger: Logger): FastifyBaseLogger {
  const level: LogLevelSetting = logger.silent
    ? 'silent'
    : (logger.level as LogLevelSetting);
  return new FastifyLoggerAdapter(logger, level) as unknown as FastifyBaseLogger;
}
