import { Type } from 'typebox';
import {
  ConfigError,
  loadConfig,
  type KitInstance,
} from '@flotilla/service-kit';
import { apiConfigSchema } from '../../src/config';
import type {} from '../../src/app/plugins/external/messaging';
import { buildTestApp, waitFor } from '../helper';

describe('api health, metrics and errors (real PostgreSQL)', () => {
  let app: KitInstance;

  beforeAll(async () => {
    app = await buildTestApp(
      {},
      {
        testRoutes: (instance) => {
          instance.post(
            '/__test/echo',
            {
              schema: {
                body: Type.Object(
                  { amount: Type.Integer() },
                  { additionalProperties: false },
                ),
              },
            },
            async (request) => request.body,
          );
        },
      },
    );
  });
  afterAll(() => app.close());

  it('when /healthz is called, then it answers 200 ok', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('when the database and the broker answer, then /readyz is 200 with both checks ok', async () => {
    // Connected is not enough: readiness also waits for every channel's topology setup.
    await waitFor(async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200);

    const response = await app.inject({ method: 'GET', url: '/readyz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', checks: { db: 'ok', broker: 'ok' } });
  });

  it('when the database is unreachable, then /readyz is 503 naming db while /healthz stays 200', async () => {
    const down = await buildTestApp({
      DATABASE_URL: 'postgresql://ledger:ledger@127.0.0.1:1/ledger',
    });
    try {
      const ready = await down.inject({ method: 'GET', url: '/readyz' });
      const live = await down.inject({ method: 'GET', url: '/healthz' });

      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({
        status: 'unavailable',
        checks: { db: expect.stringMatching(/^error: .*ECONNREFUSED/), broker: expect.any(String) },
      });
      expect(live.statusCode).toBe(200);
      const metrics = await down.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toContain(
        'service_ready{check="db",service="api"} 0',
      );
    } finally {
      await down.close();
    }
  });

  it('when a request has been served, then /metrics exposes the histogram under the route template', async () => {
    await app.inject({
      method: 'POST',
      url: '/__test/echo',
      payload: { amount: 1 },
    });
    const response = await app.inject({ method: 'GET', url: '/metrics' });

    expect(response.statusCode).toBe(200);
    expect(response.body).toMatch(
      /http_server_request_duration_seconds_count\{service="api",route="\/__test\/echo",method="POST",status_code="200"\} \d+/,
    );
    expect(response.body).toMatch(/^process_resident_memory_bytes/m);
    expect(response.body).toContain(
      'service_ready{check="db",service="api"} 1',
    );
  });

  it('when x-request-id is sent, then it is echoed; when absent, then one is generated', async () => {
    const given = await app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'trace-42' },
    });
    const generated = await app.inject({ method: 'GET', url: '/healthz' });

    expect(given.headers['x-request-id']).toBe('trace-42');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when the body is malformed JSON, then 400 INVALID_JSON with a clear message and the request id', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/__test/echo',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'bad-json-1',
      },
      payload: '{"amount": ',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      code: 'INVALID_JSON',
      error: 'Bad Request',
      message: 'The request body is not valid JSON',
      requestId: 'bad-json-1',
    });
  });

  it('when a path matches no route, then 404 NOT_FOUND in the error shape', async () => {
    const response = await app.inject({ method: 'GET', url: '/nope' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({
      code: 'NOT_FOUND',
      requestId: response.headers['x-request-id'],
    });
  });

  it('when the environment has an invalid PORT and no DATABASE_URL, then config loading names both', () => {
    let error: unknown;
    try {
      loadConfig(apiConfigSchema, { PORT: 'abc', AMQP_URL: 'amqp://x' });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/PORT: .*"abc"/);
    expect((error as ConfigError).message).toContain(
      'DATABASE_URL: is required but not set',
    );
  });
});
