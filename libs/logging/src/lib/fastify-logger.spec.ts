import { createCapturedLogger } from '../testing';
import { createFastifyLogger } from './fastify-logger';

describe('createFastifyLogger', () => {
  it('when Fastify logs pino-style with req, res, reqId and responseTime, then they become ECS fields', async () => {
    const { logger, lines, flush } = createCapturedLogger('svc', 'info');
    const log = createFastifyLogger(logger);

    log.child({ reqId: 'r-1' }).info(
      {
        req: {
          method: 'GET',
          url: '/v1/x?token=secret',
          headers: { cookie: 'c' },
        },
        res: { statusCode: 200 },
        responseTime: 1.5,
      },
      'request completed',
    );
    await flush();

    const [line] = lines();
    expect(line).toMatchObject({
      'log.level': 'info',
      message: 'request completed',
      'trace.id': 'r-1',
      'http.request.method': 'GET',
      'url.path': '/v1/x',
      'http.response.status_code': 200,
      'event.duration': 1_500_000,
    });
    expect(JSON.stringify(line)).not.toContain('secret');
    expect(JSON.stringify(line)).not.toContain('cookie');
  });

  it('when the first argument is an Error, then it is logged as error fields with its message', async () => {
    const { logger, lines, flush } = createCapturedLogger();

    createFastifyLogger(logger).error(new Error('db down'));
    await flush();

    expect(lines()[0]).toMatchObject({
      message: 'db down',
      'error.message': 'db down',
      'log.level': 'error',
    });
  });

  it('when a message has printf arguments, then they are interpolated', async () => {
    const { logger, lines, flush } = createCapturedLogger();

    createFastifyLogger(logger).warn('listening on %s:%d', 'host', 3000);
    await flush();

    expect(lines()[0]?.['message']).toBe('listening on host:3000');
  });

  it('when a call is below the level, then nothing is written; a child may set its own level', async () => {
    const { logger, lines, flush } = createCapturedLogger('svc', 'trace');
    const log = createFastifyLogger(logger);
    log.level = 'warn';

    log.info('hidden');
    log.child({}, { level: 'debug' }).debug('shown');
    log.child({}, { level: 'silent' }).fatal('hidden too');
    await flush();

    expect(lines().map((l) => l['message'])).toEqual(['shown']);
    expect(log.level).toBe('warn');
  });

  it('when it is handed to Fastify as loggerInstance, then it has every method Fastify requires', () => {
    const { logger } = createCapturedLogger();
    const log = createFastifyLogger(logger);

    for (const method of [
      'info',
      'error',
      'debug',
      'fatal',
      'warn',
      'trace',
      'child',
      'silent',
    ] as const) {
      expect(typeof log[method]).toBe('function');
    }
  });
});
