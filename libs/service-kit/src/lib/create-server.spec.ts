import { Type } from 'typebox';
import { createCapturedLogger } from '@flotilla/logging/testing';
import { AppError } from './errors';
import { createServer, type KitInstance } from './create-server';

const config = {
  LOG_LEVEL: 'debug' as const,
  BODY_LIMIT: 1024,
  REQUEST_TIMEOUT_MS: 30_000,
  KEEP_ALIVE_TIMEOUT_MS: 72_000,
  HEALTH_CHECK_TIMEOUT_MS: 100,
  TRUST_PROXY: 'false',
};

function build() {
  const captured = createCapturedLogger('kit-test', 'debug');
  const app = createServer({
    serviceName: 'kit-test',
    config,
    logger: captured.logger,
  });
  return { app, ...captured };
}

function withTransferRoute(app: KitInstance) {
  app.post(
    '/transfers/:accountId',
    {
      schema: {
        params: Type.Object({ accountId: Type.Integer({ minimum: 1 }) }),
        querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
        body: Type.Object(
          {
            amount: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
            note: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({
      accountId: request.params.accountId,
      amount: request.body.amount,
      dryRun: request.query.dryRun ?? false,
    }),
  );
  app.get('/boom', async () => {
    throw new Error('connection string postgres://user:hunter2@db leaked');
  });
  app.get('/conflict', async () => {
    throw new AppError(
      409,
      'ACCOUNT_EXISTS',
      'An account with this e-mail already exists',
    );
  });
}

describe('createServer', () => {
  let ctx: ReturnType<typeof build>;
  beforeEach(() => {
    ctx = build();
    withTransferRoute(ctx.app);
  });
  afterEach(() => ctx.app.close());

  it('when x-request-id is a valid token, then it is echoed and used as trace.id in the request log line', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'abc-123.X_y' },
    });
    await ctx.flush();

    expect(response.headers['x-request-id']).toBe('abc-123.X_y');
    const line = ctx.lines().find((l) => l['message'] === 'request completed');
    expect(line).toMatchObject({
      'trace.id': 'abc-123.X_y',
      'http.route': '/healthz',
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'log.level': 'debug',
    });
    expect(typeof line?.['event.duration']).toBe('number');
  });

  it('when x-request-id has the colons the gateway allows, then the same id is kept', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'outer-proxy:7f3a:01' },
    });

    expect(response.headers['x-request-id']).toBe('outer-proxy:7f3a:01');
  });

  it.each(['a'.repeat(129), 'has space', 'inject\nline', ''])(
    'when x-request-id is %p, then a fresh UUID replaces it',
    async (header) => {
      const response = await ctx.app.inject({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': header },
      });

      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it('when a route answers, then the request log line is at info with the route template, not the raw URL', async () => {
    await ctx.app.inject({
      method: 'POST',
      url: '/transfers/42?dryRun=true',
      payload: { amount: 5 },
    });
    await ctx.flush();

    const line = ctx.lines().find((l) => l['message'] === 'request completed');
    expect(line).toMatchObject({
      'log.level': 'info',
      'http.route': '/transfers/:accountId',
      'url.path': '/transfers/42',
      'http.response.status_code': 200,
    });
  });

  it('when querystring and params are strings on the wire, then they are coerced', async () => {
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/transfers/42?dryRun=true',
      payload: { amount: 5 },
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ accountId: 42, amount: 5, dryRun: true });
  });

  it.each([
    ['a numeric string', { amount: '5' }],
    ['a float', { amount: 5.5 }],
    ['an unknown property', { amount: 5, admin: true }],
    ['a huge exponent', '{"amount": 1e400}'],
  ])(
    'when the body has %s, then it is rejected with 400 VALIDATION_FAILED and field details',
    async (_label, payload) => {
      const response = await ctx.app.inject({
        method: 'POST',
        url: '/transfers/42',
        headers: { 'content-type': 'application/json' },
        payload:
          typeof payload === 'string' ? payload : JSON.stringify(payload),
      });

      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        error: 'Bad Request',
        requestId: response.headers['x-request-id'],
      });
      expect(response.json().details[0].field).toMatch(/^body/);
    },
  );

  it('when the body is malformed JSON, then 400 INVALID_JSON with a clear message', async () => {
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/transfers/42',
      headers: { 'content-type': 'application/json' },
      payload: '{"amount": 5',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'INVALID_JSON',
      message: 'The request body is not valid JSON',
    });
  });

  it('when the body has a __proto__ key, then it is refused as invalid JSON', async () => {
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/transfers/42',
      headers: { 'content-type': 'application/json' },
      payload: '{"amount": 5, "__proto__": {"admin": true}}',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('INVALID_JSON');
  });

  it('when the content type is not JSON, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/transfers/42',
      headers: { 'content-type': 'application/xml' },
      payload: '<amount>5</amount>',
    });

    expect(response.statusCode).toBe(415);
    expect(response.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('when the body is over BODY_LIMIT, then 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await ctx.app.inject({
      method: 'POST',
      url: '/transfers/42',
      payload: { amount: 5, note: 'x'.repeat(2000) },
    });

    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('when no route matches, then 404 NOT_FOUND and the metric route label is __unmatched__', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/wp-admin/setup.php?x=1',
    });
    const metrics = await ctx.app.inject({ method: 'GET', url: '/metrics' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({
      code: 'NOT_FOUND',
      error: 'Not Found',
      requestId: response.headers['x-request-id'],
    });
    expect(metrics.body).toContain('route="__unmatched__"');
    expect(metrics.body).not.toContain('wp-admin');
  });

  it('when a handler throws, then 500 hides the cause from the client and logs it with the request id', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/boom',
      headers: { 'x-request-id': 'req-500' },
    });
    await ctx.flush();

    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      statusCode: 500,
      code: 'INTERNAL_ERROR',
      error: 'Internal Server Error',
      message:
        'An unexpected error occurred; quote the requestId when reporting it',
      requestId: 'req-500',
    });
    expect(response.body).not.toContain('hunter2');
    const logged = ctx.lines().find((l) => l['log.level'] === 'error');
    expect(logged).toMatchObject({
      'trace.id': 'req-500',
      'error.message': expect.stringContaining('hunter2'),
    });
    expect(logged?.['error.stack_trace']).toContain('create-server.spec');
  });

  it('when a handler throws an AppError, then its status, code and message reach the client', async () => {
    const response = await ctx.app.inject({ method: 'GET', url: '/conflict' });

    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      code: 'ACCOUNT_EXISTS',
      error: 'Conflict',
    });
  });

  it('when a request was served, then /metrics shows it under its route template', async () => {
    await ctx.app.inject({
      method: 'POST',
      url: '/transfers/7',
      payload: { amount: 1 },
    });
    const response = await ctx.app.inject({ method: 'GET', url: '/metrics' });

    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).not.toContain('trace_id');
    expect(response.body).toMatch(
      /http_server_request_duration_seconds_count\{service="kit-test",route="\/transfers\/:accountId",method="POST",status_code="200"\} 1/,
    );
    expect(response.body).not.toContain('/transfers/7');
  });

  it('when Prometheus scrapes with its OpenMetrics Accept header, then the latency histogram has the request id as its exemplar', async () => {
    const requestId = '0af7651916cd43dd8448eb211c80319c';
    await ctx.app.inject({
      method: 'POST',
      url: '/transfers/7',
      headers: { 'x-request-id': requestId },
      payload: { amount: 1 },
    });

    const response = await ctx.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: {
        accept:
          'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      },
    });

    expect(response.headers['content-type']).toContain(
      'application/openmetrics-text',
    );
    expect(response.headers['vary']).toMatch(/accept/i);
    expect(response.body).toMatch(
      new RegExp(
        `^http_server_request_duration_seconds_bucket\\{[^}]*route="/transfers/:accountId"[^}]*\\} 1 # \\{trace_id="${requestId}"\\} `,
        'm',
      ),
    );
    expect(response.body.endsWith('# EOF\n')).toBe(true);
  });

  it('when two servers are built, then each has its own registry', () => {
    const other = build().app;

    expect(other.metrics.registry).not.toBe(ctx.app.metrics.registry);
  });

  it('when every readiness check passes, then /readyz is 200 naming each check', async () => {
    ctx.app.health.register('db', async () => undefined);
    ctx.app.health.register('broker', async () => undefined);

    const response = await ctx.app.inject({ method: 'GET', url: '/readyz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      checks: { db: 'ok', broker: 'ok' },
    });
  });

  it('when a check fails or hangs, then /readyz is 503 naming it, and the signal of the hung one is aborted', async () => {
    let aborted = false;
    ctx.app.health.register('db', async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:1');
    });
    ctx.app.health.register('broker', (signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => undefined);
    });
    ctx.app.health.register('cache', async () => undefined);

    const response = await ctx.app.inject({ method: 'GET', url: '/readyz' });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'unavailable',
      checks: {
        db: 'error: connect ECONNREFUSED 127.0.0.1:1',
        broker: 'timeout',
        cache: 'ok',
      },
    });
    expect(aborted).toBe(true);
  });

  it('when /healthz is called, then it answers 200 ok with no checks run', async () => {
    ctx.app.health.register('db', async () => {
      throw new Error('down');
    });

    const response = await ctx.app.inject({ method: 'GET', url: '/healthz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('when draining has started, then /readyz is 503 without running the checks, and every answer carries Connection: close', async () => {
    let checksRun = 0;
    ctx.app.health.register('db', async () => {
      checksRun += 1;
    });
    const before = await ctx.app.inject({ method: 'GET', url: '/readyz' });
    expect(before.statusCode).toBe(200);
    expect(before.headers['connection']).not.toBe('close');
    expect(ctx.app.draining).toBe(false);

    ctx.app.startDraining();
    const readyz = await ctx.app.inject({ method: 'GET', url: '/readyz' });
    const healthz = await ctx.app.inject({ method: 'GET', url: '/healthz' });
    const served = await ctx.app.inject({
      method: 'POST',
      url: '/transfers/7',
      payload: { amount: 5 },
    });

    expect(ctx.app.draining).toBe(true);
    expect(readyz.statusCode).toBe(503);
    expect(readyz.json()).toEqual({
      status: 'unavailable',
      checks: { shutdown: 'draining' },
    });
    expect(checksRun).toBe(1);
    // Still alive (no restart) and still serving, but every connection is told to go.
    expect(healthz.statusCode).toBe(200);
    expect(served.statusCode).toBe(200);
    for (const response of [readyz, healthz, served]) {
      expect(response.headers['connection']).toBe('close');
    }
  });

  it('when a check name is registered twice, then registration throws', () => {
    ctx.app.health.register('db', async () => undefined);

    expect(() => ctx.app.health.register('db', async () => undefined)).toThrow(
      /already registered/,
    );
  });
});

describe('createServer behind the gateway (TRUST_PROXY)', () => {
  async function clientIpLogged(trustProxy: string) {
    const captured = createCapturedLogger('kit-test', 'debug');
    const app = createServer({ serviceName: 'kit-test', config: { ...config, TRUST_PROXY: trustProxy }, logger: captured.logger });
    app.get('/ip', async (request) => ({ ip: request.ip }));
    try {
      // The gateway (172.18.0.5) appended the peer it saw (203.0.113.7) to the
      // X-Forwarded-For the client sent (a spoofed 6.6.6.6).
      const response = await app.inject({
        method: 'GET',
        url: '/ip',
        remoteAddress: '172.18.0.5',
        headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' },
      });
      await captured.flush();
      const line = captured.lines().find((l) => l['message'] === 'request completed');
      return { ip: (response.json() as { ip: string }).ip, logged: line?.['client.ip'] };
    } finally {
      await app.close();
    }
  }

  it('when TRUST_PROXY is the hop count "1", then the client is the address the gateway saw, not the gateway nor the spoofed entry', async () => {
    await expect(clientIpLogged('1')).resolves.toEqual({ ip: '203.0.113.7', logged: '203.0.113.7' });
  });

  it('when TRUST_PROXY lists the gateway address, then the client is the address the gateway saw', async () => {
    await expect(clientIpLogged('172.18.0.0/16')).resolves.toEqual({ ip: '203.0.113.7', logged: '203.0.113.7' });
  });

  it('when TRUST_PROXY is false, then the client is the socket peer', async () => {
    await expect(clientIpLogged('false')).resolves.toEqual({ ip: '172.18.0.5', logged: '172.18.0.5' });
  });
});
