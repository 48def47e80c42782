import { createCapturedLogger } from '@flotilla/logging/testing';
import { createServer } from '@flotilla/service-kit';
import { parseExposition } from '../src';

export interface ServiceSample {
  /** Every log line the service wrote, parsed. */
  lines: Record<string, unknown>[];
  /** Sample names of its /metrics. */
  metricNames: Set<string>;
}

/**
 * Runs the real service kit (the same createServer the api and auth build
 * on) with a few routes and records what it emits: a success, a client
 * error, a 404, a server error carrying a code and a cause, a log line a
 * handler writes itself, and a scrape of /metrics.
 */
export async function sampleService(serviceName = 'api'): Promise<ServiceSample> {
  const captured = createCapturedLogger(serviceName, 'info');
  const app = createServer({
    serviceName,
    logger: captured.logger,
    config: {
      LOG_LEVEL: 'info',
      BODY_LIMIT: 1_048_576,
      REQUEST_TIMEOUT_MS: 10_000,
      KEEP_ALIVE_TIMEOUT_MS: 5_000,
      HEALTH_CHECK_TIMEOUT_MS: 1_000,
      TRUST_PROXY: 'false',
    },
  });
  app.health.register('database', async () => undefined);
  app.get('/v1/accounts/:id', async (request) => {
    request.log.info({ 'event.action': 'account-read' }, 'account read');
    return { id: (request.params as { id: string }).id };
  });
  app.get('/v1/broken', async () => {
    const error = new Error('database unavailable', { cause: new Error('connection refused') });
    (error as Error & { code: string }).code = 'P1001';
    throw error;
  });
  await app.ready();
  try {
    const headers = { 'x-request-id': 'sample-trace-0001', 'user-agent': 'observability-check' };
    await app.inject({ method: 'GET', url: '/v1/accounts/42?expand=owner', headers });
    await app.inject({ method: 'GET', url: '/v1/broken', headers });
    await app.inject({ method: 'GET', url: '/v1/nowhere', headers });
    const scrape = await app.inject({ method: 'GET', url: '/metrics' });
    await captured.flush();
    return { lines: captured.lines(), metricNames: parseExposition(scrape.body) };
  } finally {
    await app.close();
  }
}
