import winston from 'winston';
import { ecsFormat } from './ecs-format';
import { SafeSink, type LogDestination } from './safe-sink';

/** pino's level names, so Fastify's calls and LOG_LEVEL mean the same everywhere. */
export const LOG_LEVELS = {
  fatal: 0,
  error: 1,
  warn: 2,
  info: 3,
  debug: 4,
  trace: 5,
} as const;
export type LogLevel = keyof typeof LOG_LEVELS;
export type LogLevelSetting = LogLevel | 'silent';
export const LOG_LEVEL_SETTINGS: readonly LogLevelSetting[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

type LeveledLogMethod = winston.LeveledLogMethod;

/** winston's npm-level methods that this logger does not have (it uses LOG_LEVELS). */
type MissingNpmLevels =
  | 'http'
  | 'verbose'
  | 'silly'
  | 'help'
  | 'data'
  | 'prompt'
  | 'input'
  | 'emerg'
  | 'alert'
  | 'crit'
  | 'warning'
  | 'notice'
  | 'child';

/**
 * A winston logger with pino's levels. Call it as
 * `logger.info('message', { 'trace.id': id, err })`: extra fields are ECS keys,
 * an Error goes under `err` (or `error`).
 */
export type Logger = Omit<winston.Logger, MissingNpmLevels> & {
  fatal: LeveledLogMethod;
  trace: LeveledLogMethod;
  child(fields: Record<string, unknown>): Logger;
};

export interface CreateLoggerOptions {
  service: string;
  level?: LogLevelSetting;
  /** Defaults to process.stdout. */
  destination?: LogDestination;
  /** Clock for `@timestamp`; tests pin it. */
  now?: () => Date;
  /** See SafeSinkOptions. */
  maxBufferedBytes?: number;
}

/**
 * One ECS JSON line per call on stdout. Logging never throws and never waits:
 * a broken or stalled destination loses lines rather than a request.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const level = options.level ?? 'info';
  const sink = new SafeSink(options.destination ?? process.stdout, {
    maxBufferedBytes: options.maxBufferedBytes,
  });
  const transport = new winston.transports.Stream({ stream: sink });
  const logger = winston.createLogger({
    levels: LOG_LEVELS,
    level: level === 'silent' ? 'fatal' : level,
    silent: level === 'silent',
    format: ecsFormat({ service: options.service, now: options.now }),
    transports: [transport],
    exitOnError: false,
  });
  // A transport or format failure is re-emitted on the logger; unhandled, it would throw.
  transport.on('error', () => undefined);
  logger.on('error', () => undefined);
  installDirectWrite(logger, transport, sink);
  return logger as unknown as Logger;
}

const LEVEL = Symbol.for('level');
const MESSAGE = Symbol.for('message');

/**
 * winston hands every record through three object-mode streams (the logger's
 * Transform, the pipe, the transport's Writable) before our sink sees it; per
 * request line that was most of the logging cost on the read path (issue #16
 * profile). While the logger still has exactly its own transport and nobody
 * reads it as a stream, a record takes the same decisions synchronously:
 * silent, the level threshold (winston-transport's check), the logger's
 * current format, one line to the sink. Anything else (an added transport, a
 * 'data' listener) goes through winston's pipeline as before. Children created
 * with child() call the root's write, so they take this path too.
 */
function installDirectWrite(logger: winston.Logger, transport: winston.transport, sink: SafeSink): void {
  const pipelineWrite = logger.write.bind(logger);
  const levels = LOG_LEVELS as Record<string, number>;
  const eol = '\n';
  const direct = (info: Record<string | symbol, unknown>): boolean => {
    if (logger.transports.length !== 1 || logger.transports[0] !== transport || logger.listenerCount('data') > 0) {
      return pipelineWrite(info);
    }
    if (logger.silent) return true;
    const level = (info[LEVEL] ?? info['level']) as string;
    info[LEVEL] = level;
    const rank = levels[level];
    if (rank === undefined || rank > (levels[logger.level] ?? LOG_LEVELS.info)) return true;
    try {
      const out = logger.format.transform(info as winston.Logform.TransformableInfo, logger.format.options) as
        | Record<string | symbol, unknown>
        | false;
      if (out && typeof out[MESSAGE] === 'string') sink.writeLine(`${out[MESSAGE] as string}${eol}`);
    } catch {
      // A format failure loses its line, never the request (as the pipeline's error handler does).
    }
    return true;
  };
  Object.defineProperty(logger, 'write', { value: direct, writable: true, configurable: true });
}

/** True when `level` is written by `logger` (its threshold and `silent` considered). */
export function isLevelEnabled(logger: Logger, level: LogLevel): boolean {
  if (logger.silent) return false;
  const threshold = LOG_LEVELS[logger.level as LogLevel] ?? LOG_LEVELS.info;
  return LOG_LEVELS[level] <= threshold;
}
