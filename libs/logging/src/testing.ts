import { PassThrough } from 'node:stream';
import {
  createLogger,
  type LogLevelSetting,
  type Logger,
} from './lib/create-logger';

export interface CapturedLogger {
  logger: Logger;
  /** Every line written so far, parsed. Await `flush()` first: winston hands lines on asynchronously. */
  lines(): Record<string, unknown>[];
  flush(): Promise<void>;
}

/** A real ECS logger writing into memory, for tests that assert on log lines. */
export function createCapturedLogger(
  service = 'test',
  level: LogLevelSetting = 'trace',
): CapturedLogger {
  const destination = new PassThrough();
  const chunks: string[] = [];
  destination.on('data', (chunk: Buffer) =>
    chunks.push(chunk.toString('utf8')),
  );
  const logger = createLogger({ service, level, destination });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    flush: () =>
      new Promise((resolve) => setImmediate(() => setImmediate(resolve))),
  };
}
