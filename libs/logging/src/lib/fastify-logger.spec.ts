import { PassThrough } from 'node:stream';
import winston from 'winston';
import { createCapturedLogger } from '../testing';
import { createLogger } from './create-logger';
import { createFastifyLogger } from './fastify-logger';

const ACCESS_FIELDS = {
  'http.request.method': 'GET',
  'url.path': '/api/account',
  'http.route': '/api/account',
  'http.response.status_code': 200,
  'event.duration': 1_234_000,
  'client.ip': '127.0.0.1',
  'user_agent.original': 'bench/1',
};

// The access line as service-kit's onResponse hook writes it, byte for byte:
// field names, their order and their values are what the ELK pipeline and the
// dashboards read.
const ACCESS_LINE =
  '{"@timestamp":"2026-12-02T12:00:00.000Z","log.level":"info","message":"request completed",' +
  '"ecs.version":"8.11.0","service.name":"api","http.request.id":"req-7","trace.id":"req-7",' +
  '"http.request.method":"GET","url.path":"/api/account","http.route":"/api/account",' +
  '"http.response.status_code":200,"event.duration":1234000,"client.ip":"127.0.0.1",' +
  '"user_agent.original":"bench/1"}\n';

function pinnedLogger() {
  const destination = new PassThrough();
  const chunks: string[] = [];
  destination.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const logger = createLogger({
    service: 'api',
    level: 'info',
    destination,
    now: () => new Date('2026-12-02T12:00:00.000Z'),
  });
  return { logger, text: () => chunks.join('') };
}

const tick = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

describe('createFastifyLogger', () => {
  it('when a request line is written, then it has exactly the ECS fields, in order, of the access line', async () => {
    const { logger, text } = pinnedLogger();

    createFastifyLogger(logger).child({ reqId: 'req-7' }).info(ACCESS_FIELDS, 'request completed');
    await tick();

    expect(text()).toBe(ACCESS_LINE);
  });

  it('when the line goes through winston (another transport added), then it is the same line on both', async () => {
    const { logger, text } = pinnedLogger();
    const extra = new PassThrough();
    const seen: string[] = [];
    extra.on('data', (chunk: Buffer) => seen.push(chunk.toString('utf8')));
    logger.add(new winston.transports.Stream({ stream: extra }));

    createFastifyLogger(logger).child({ reqId: 'req-7' }).info(ACCESS_FIELDS, 'request completed');
    await tick();

    expect(text()).toBe(ACCESS_LINE);
    expect(seen.join('')).toBe(ACCESS_LINE);
  });

  it('when a child of a child logs, then the inner bindings win and a message field is appended as winston does', async () => {
    const { logger, text } = pinnedLogger();

    createFastifyLogger(logger)
      .child({ 'a.b': 1, 'c.d': 'outer' })
      .child({ 'c.d': 'inner' })
      .info({ message: 'more', 'e.f': undefined }, 'base');
    await tick();

    expect(JSON.parse(text())).toEqual({
      '@timestamp': '2026-12-02T12:00:00.000Z',
      'log.level': 'info',
      message: 'base more',
      'ecs.version': '8.11.0',
      'service.name': 'api',
      'a.b': 1,
      'c.d': 'inner',
    });
  });

  it('when the message carries a printf token, then winston writes it as before', async () => {
    const { logger, text } = pinnedLogger();

    createFastifyLogger(logger).child({ reqId: 'r' }).info({ 'a.b': 1 }, '100%s done');
    await tick();

    expect(JSON.parse(text())).toMatchObject({ message: '100%s done', 'trace.id': 'r' });
  });

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
