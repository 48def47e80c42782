import { createCapturedLogger } from '@flotilla/logging/testing';
import { createServer } from './create-server';
import { AppError, isDatabaseUnavailable } from './errors';

const config = {
  LOG_LEVEL: 'debug' as const,
  BODY_LIMIT: 1024,
  REQUEST_TIMEOUT_MS: 30_000,
  KEEP_ALIVE_TIMEOUT_MS: 72_000,
  HEALTH_CHECK_TIMEOUT_MS: 100,
  TRUST_PROXY: 'false',
};

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });

/** What node-postgres and Node's resolver raise while PostgreSQL is down, restarting or unresolvable. */
const outages: [string, unknown][] = [
  ['ECONNREFUSED', refused],
  ['ENOTFOUND postgres', Object.assign(new Error('getaddrinfo ENOTFOUND postgres'), { code: 'ENOTFOUND' })],
  ['57P01 admin shutdown', pgError('57P01', 'terminating connection due to administrator command')],
  ['57P03 starting up', pgError('57P03', 'the database system is starting up')],
  ['"starting up" without a code', new Error('the database system is starting up')],
  ['SQLSTATE 08006', pgError('08006', 'connection failure')],
  ['Connection terminated unexpectedly', new Error('Connection terminated unexpectedly')],
  ['an AggregateError of refused addresses', new AggregateError([refused], '')],
  ['a wrapped cause', new Error('session lookup failed', { cause: refused })],
];

describe('isDatabaseUnavailable', () => {
  it.each(outages)('when the error is %s, then it is an outage', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', pgError('23505', 'duplicate key value violates unique constraint')],
    ['a bigint out of range', pgError('22003', 'value "9999999999999999999" is out of range for type bigint')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
  ])('when the error is %s, then it is not', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('errorHandler', () => {
  it.each(outages)('when a hook or route fails with %s, then 503 with Retry-After, never 500', async (_name, error) => {
    const app = createServer({ serviceName: 'kit-test', config, logger: createCapturedLogger('kit-test', 'debug').logger });
    app.get('/guarded', { onRequest: async () => Promise.reject(error) }, async () => ({ ok: true }));

    const response = await app.inject({ method: 'GET', url: '/guarded' });

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(response.body).not.toContain('5432');
    await app.close();
  });

  it('when a route refuses with its own 503 and Retry-After, then both are kept', async () => {
    const app = createServer({ serviceName: 'kit-test', config, logger: createCapturedLogger('kit-test', 'debug').logger });
    app.get('/busy', async (_request, reply) => {
      reply.header('retry-after', '1');
      throw new AppError(503, 'LEDGER_BUSY', 'busy');
    });

    const response = await app.inject({ method: 'GET', url: '/busy' });

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    await app.close();
  });

  it('when a route fails with a bug, then still 500 (no Retry-After)', async () => {
    const app = createServer({ serviceName: 'kit-test', config, logger: createCapturedLogger('kit-test', 'debug').logger });
    app.get('/bug', async () => {
      throw new TypeError('nope');
    });

    const response = await app.inject({ method: 'GET', url: '/bug' });

    expect(response.statusCode).toBe(500);
    expect(response.headers['retry-after']).toBeUndefined();
    await app.close();
  });
});
