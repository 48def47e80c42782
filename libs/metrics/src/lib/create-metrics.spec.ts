import {
  createMetrics,
  normaliseMethod,
  UNMATCHED_ROUTE,
} from './create-metrics';

describe('createMetrics', () => {
  it('when a request is observed, then the histogram is labelled by route template, method and status code', async () => {
    const metrics = createMetrics({ service: 'api', defaultMetrics: false });

    metrics.observeHttpRequest({
      route: '/v1/accounts/:id',
      method: 'get',
      statusCode: 200,
      durationSeconds: 0.012,
    });
    const text = await metrics.registry.metrics();

    expect(text).toContain(
      '# TYPE http_server_request_duration_seconds histogram',
    );
    expect(text).toMatch(
      /http_server_request_duration_seconds_count\{service="api",route="\/v1\/accounts\/:id",method="GET",status_code="200"\} 1/,
    );
  });

  it('when requests hit unknown paths, then they share one __unmatched__ series instead of one per URL', async () => {
    const metrics = createMetrics({ service: 'api', defaultMetrics: false });

    for (let i = 0; i < 50; i++) {
      metrics.observeHttpRequest({
        route: undefined,
        method: 'GET',
        statusCode: 404,
        durationSeconds: 0.001,
      });
    }
    const values = (await metrics.httpRequestDuration.get()).values.filter(
      (v) => v.metricName === 'http_server_request_duration_seconds_count',
    );

    expect(values).toHaveLength(1);
    expect(values[0]).toMatchObject({
      labels: { route: UNMATCHED_ROUTE, status_code: '404' },
      value: 50,
    });
  });

  it('when two instances are created, then each has its own registry and they do not share observations', async () => {
    const a = createMetrics({ service: 'a' });
    const b = createMetrics({ service: 'b' });

    a.observeHttpRequest({
      route: '/x',
      method: 'GET',
      statusCode: 200,
      durationSeconds: 0.1,
    });

    expect(a.registry).not.toBe(b.registry);
    expect(await a.registry.metrics()).toContain('route="/x"');
    expect(await b.registry.metrics()).not.toContain('route="/x"');
    expect(await b.registry.metrics()).toMatch(
      /^process_cpu_user_seconds_total/m,
    );
    expect(await b.registry.metrics()).toMatch(
      /^nodejs_heap_size_total_bytes/m,
    );
  });

  it('when a client sends an unknown method, then the label is OTHER', () => {
    expect(normaliseMethod('PROPFIND')).toBe('OTHER');
    expect(normaliseMethod('patch')).toBe('PATCH');
  });

  it('when readiness is tracked, then each scrape runs the probe and reports service_ready per check', async () => {
    const metrics = createMetrics({ service: 'api', defaultMetrics: false });
    let dbUp = true;
    metrics.trackReadiness(async () => ({ db: dbUp, broker: true }));

    const first = await metrics.registry.metrics();
    dbUp = false;
    const second = await metrics.registry.metrics();

    expect(first).toContain('service_ready{check="db",service="api"} 1');
    expect(second).toContain('service_ready{check="db",service="api"} 0');
    expect(second).toContain('service_ready{check="broker",service="api"} 1');
  });
});
