/// <reference types="jest" />
// Test support for services built on the kit (the `./testing` entry: never
// imported by service code). Jest's globals come from the calling test run.
import { Type, type TObject } from 'typebox';
import { ConfigError, loadConfig } from './lib/config';
import type { KitInstance } from './lib/create-server';

export interface HealthContractOptions {
  /** The service label on every metric (`service="…"`). */
  service: string;
  /** Builds the real app with test config, `env` overriding it, and the given overrides. */
  buildTestApp(env?: Record<string, string | undefined>, overrides?: { testRoutes?: (app: KitInstance) => void }): Promise<KitInstance>;
  /** The service's config schema, and the env that is valid but for PORT and DATABASE_URL. */
  configSchema: TObject;
  configEnv: Record<string, string>;
  /** A DATABASE_URL nothing listens on. */
  unreachableDatabaseUrl: string;
  /** The readiness checks the service reports, all `ok` when its dependencies answer. */
  readyChecks: string[];
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The health, metrics and error-shape contract every service keeps (liveness,
 * readiness per dependency, RED metrics under the route template, request ids,
 * coded 4xx errors, config validation naming every bad key), as one suite that
 * each service's `test/integration/health.test.ts` runs against its real app.
 */
export function describeHealthContract(options: HealthContractOptions): void {
  const { service } = options;

  describe(`${service} health, metrics and errors (real PostgreSQL)`, () => {
    let app: KitInstance;

    beforeAll(async () => {
      app = await options.buildTestApp(
        {},
        {
          testRoutes: (instance) => {
            instance.post(
              '/__test/echo',
              { schema: { body: Type.Object({ amount: Type.Integer() }, { additionalProperties: false }) } },
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

    it(`when its dependencies answer, then /readyz is 200 with ${options.readyChecks.join(' and ')} ok`, async () => {
      // Connected is not enough: readiness also waits for every channel's topology setup.
      await eventually(async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200);

      const response = await app.inject({ method: 'GET', url: '/readyz' });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok', checks: Object.fromEntries(options.readyChecks.map((c) => [c, 'ok'])) });
    });

    it('when the database is unreachable, then /readyz is 503 naming db while /healthz stays 200', async () => {
      const down = await options.buildTestApp({ DATABASE_URL: options.unreachableDatabaseUrl });
      try {
        const ready = await down.inject({ method: 'GET', url: '/readyz' });
        const live = await down.inject({ method: 'GET', url: '/healthz' });

        expect(ready.statusCode).toBe(503);
        const others = options.readyChecks.filter((c) => c !== 'db');
        expect(ready.json()).toEqual({
          status: 'unavailable',
          checks: {
            db: expect.stringMatching(/^error: .*ECONNREFUSED/),
            ...Object.fromEntries(others.map((c) => [c, expect.any(String)])),
          },
        });
        expect(live.statusCode).toBe(200);
        const metrics = await down.inject({ method: 'GET', url: '/metrics' });
        expect(metrics.body).toContain(`service_ready{check="db",service="${service}"} 0`);
      } finally {
        await down.close();
      }
    });

    it('when it starts draining (SIGTERM, runService), then /readyz is 503, /healthz stays 200, and both answers say Connection: close', async () => {
      const draining = await options.buildTestApp();
      try {
        draining.startDraining();
        const ready = await draining.inject({ method: 'GET', url: '/readyz' });
        const live = await draining.inject({ method: 'GET', url: '/healthz' });

        expect(ready.statusCode).toBe(503);
        expect(ready.json()).toEqual({ status: 'unavailable', checks: { shutdown: 'draining' } });
        expect(live.statusCode).toBe(200);
        expect(ready.headers['connection']).toBe('close');
        expect(live.headers['connection']).toBe('close');
      } finally {
        await draining.close();
      }
    });

    it('when a request has been served, then /metrics exposes the histogram under the route template', async () => {
      await app.inject({ method: 'POST', url: '/__test/echo', payload: { amount: 1 } });
      const response = await app.inject({ method: 'GET', url: '/metrics' });

      expect(response.statusCode).toBe(200);
      expect(response.body).toContain(
        `http_server_request_duration_seconds_count{service="${service}",route="/__test/echo",method="POST",status_code="200"} `,
      );
      expect(response.body).toMatch(/^process_resident_memory_bytes/m);
      expect(response.body).toContain(`service_ready{check="db",service="${service}"} 1`);
    });

    it('when x-request-id is sent, then it is echoed; when absent, then one is generated', async () => {
      const given = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-42' } });
      const generated = await app.inject({ method: 'GET', url: '/healthz' });

      expect(given.headers['x-request-id']).toBe('trace-42');
      expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('when the body is malformed JSON, then 400 INVALID_JSON with a clear message and the request id', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/__test/echo',
        headers: { 'content-type': 'application/json', 'x-request-id': 'bad-json-1' },
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
      expect(response.json()).toMatchObject({ code: 'NOT_FOUND', requestId: response.headers['x-request-id'] });
    });

    it('when the environment has an invalid PORT and no DATABASE_URL, then config loading names both', () => {
      let error: unknown;
      try {
        loadConfig(options.configSchema, { ...options.configEnv, PORT: 'abc' });
      } catch (caught) {
        error = caught;
      }

      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(/PORT: .*"abc"/);
      expect((error as ConfigError).message).toContain('DATABASE_URL: is required but not set');
    });
  });
}
