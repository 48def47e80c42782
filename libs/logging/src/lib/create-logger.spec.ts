import { PassThrough, Writable } from 'node:stream';
import winston from 'winston';
import { createCapturedLogger } from '../testing';
import { createLogger, isLevelEnabled } from './create-logger';

const tick = () =>
  new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

describe('createLogger', () => {
  it('when a message is logged with fields, then one ECS JSON line carries the core fields and the extras', async () => {
    const { logger, lines, flush } = createCapturedLogger('ledger');

    logger.info('request completed', {
      'trace.id': 'req-1',
      'http.request.method': 'POST',
      'url.path': '/v1/transfers',
      'http.response.status_code': 201,
      'event.duration': 1_500_000,
    });
    await flush();

    expect(lines()).toHaveLength(1);
    const [line] = lines();
    expect(line).toMatchObject({
      'log.level': 'info',
      message: 'request completed',
      'service.name': 'ledger',
      'trace.id': 'req-1',
      'http.request.method': 'POST',
      'url.path': '/v1/transfers',
      'http.response.status_code': 201,
      'event.duration': 1_500_000,
    });
    expect(new Date(line?.['@timestamp'] as string).toISOString()).toBe(
      line?.['@timestamp'],
    );
    expect(line).not.toHaveProperty('level');
  });

  it('when an Error is passed under err, then it becomes error.type, error.message, error.stack_trace and error.code', async () => {
    const { logger, lines, flush } = createCapturedLogger();
    const err = Object.assign(new TypeError('boom'), { code: 'E_BOOM' });

    logger.error('request failed', { err });
    await flush();

    expect(lines()[0]).toMatchObject({
      'log.level': 'error',
      message: 'request failed',
      'error.type': 'TypeError',
      'error.message': 'boom',
      'error.code': 'E_BOOM',
    });
    expect(lines()[0]?.['error.stack_trace']).toContain('TypeError: boom');
    expect(lines()[0]).not.toHaveProperty('err');
  });

  it('when the level is warn, then info and debug are not written but warn and fatal are', async () => {
    const { logger, lines, flush } = createCapturedLogger('svc', 'warn');

    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.fatal('f');
    await flush();

    expect(lines().map((l) => l['message'])).toEqual(['w', 'f']);
    expect(isLevelEnabled(logger, 'info')).toBe(false);
    expect(isLevelEnabled(logger, 'error')).toBe(true);
  });

  it('when the level is silent, then nothing is written', async () => {
    const { logger, lines, flush } = createCapturedLogger('svc', 'silent');

    logger.fatal('f');
    await flush();

    expect(lines()).toEqual([]);
    expect(isLevelEnabled(logger, 'fatal')).toBe(false);
  });

  it('when a field holds a cycle and a BigInt, then the line is still written', async () => {
    const { logger, lines, flush } = createCapturedLogger();
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic['self'] = cyclic;

    logger.info('odd fields', { cyclic, big: 10n });
    await flush();

    expect(lines()[0]).toMatchObject({
      cyclic: { name: 'a', self: '[Circular]' },
      big: '10',
    });
  });

  it('when the level is changed at run time, then the new threshold applies to the logger and its children', async () => {
    const { logger, lines, flush } = createCapturedLogger('svc', 'info');
    const child = logger.child({ 'trace.id': 'r-1' });
    logger.level = 'warn';
    logger.info('hidden');
    child.info('hidden too');
    child.warn('shown');
    await flush();
    expect(lines().map((line) => line['message'])).toEqual(['shown']);
    expect(lines()[0]).toMatchObject({ 'trace.id': 'r-1' });
  });

  it('when another transport is added, then both it and the own destination receive every line', async () => {
    const { logger, lines, flush } = createCapturedLogger('svc', 'info');
    const extra = new PassThrough();
    const seen: string[] = [];
    extra.on('data', (chunk: Buffer) => seen.push(chunk.toString('utf8')));
    logger.add(new winston.transports.Stream({ stream: extra }));
    logger.info('to both', { 'a.b': 1 });
    await flush();
    expect(lines()).toHaveLength(1);
    expect(seen.join('')).toContain('"message":"to both"');
  });

  it('when a child logger is made, then its fields are on every line', async () => {
    const { logger, lines, flush } = createCapturedLogger();

    logger.child({ 'trace.id': 'abc' }).info('from child');
    await flush();

    expect(lines()[0]).toMatchObject({
      'trace.id': 'abc',
      message: 'from child',
    });
  });

  it('when the destination is destroyed, then logging neither throws nor raises an uncaught error', async () => {
    const destination = new PassThrough();
    const logger = createLogger({ service: 'svc', destination });
    const uncaught = jest.fn();
    process.on('uncaughtException', uncaught);
    destination.destroy();

    try {
      expect(() => {
        for (let i = 0; i < 10; i++)
          logger.error('after destroy', { err: new Error('x') });
      }).not.toThrow();
      await tick();
    } finally {
      process.off('uncaughtException', uncaught);
    }
    expect(uncaught).not.toHaveBeenCalled();
  });

  it('when the destination fails with EPIPE, then later lines are dropped without throwing', async () => {
    const written: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, callback) {
        written.push(chunk.toString());
        callback();
      },
    });
    const logger = createLogger({ service: 'svc', destination });
    logger.info('before');
    await tick();

    destination.emit(
      'error',
      Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }),
    );
    expect(() => logger.info('after')).not.toThrow();
    await tick();

    expect(written).toHaveLength(1);
    expect(written[0]).toContain('"message":"before"');
  });

  it('when the destination stops reading, then lines beyond the buffer bound are dropped instead of queued', async () => {
    const destination = new Writable({
      highWaterMark: 16,
      write() {
        // never calls back: a stalled reader
      },
    });
    const logger = createLogger({
      service: 'svc',
      destination,
      maxBufferedBytes: 1024,
    });

    for (let i = 0; i < 200; i++) logger.info('x'.repeat(100));
    await tick();

    expect(destination.writableLength).toBeLessThan(2048);
  });
});
