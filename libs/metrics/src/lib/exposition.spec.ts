import { Counter, Registry } from 'prom-client';
import { createMetrics } from './create-metrics';
import {
  negotiateExposition,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  renderOpenMetrics,
} from './exposition';

// What Prometheus 2.x and 3.x send by default.
const PROMETHEUS_2_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const PROMETHEUS_3_ACCEPT =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

function observed() {
  const metrics = createMetrics({ service: 'api', defaultMetrics: false });
  metrics.observeHttpRequest({
    route: '/api/transfers',
    method: 'POST',
    statusCode: 201,
    durationSeconds: 0.042,
    traceId: TRACE_ID,
  });
  return metrics;
}

describe('negotiateExposition', () => {
  it.each([
    [PROMETHEUS_2_ACCEPT, 'openmetrics'],
    [PROMETHEUS_3_ACCEPT, 'openmetrics'],
    ['application/openmetrics-text', 'openmetrics'],
    [undefined, 'prometheus'],
    ['', 'prometheus'],
    ['*/*', 'prometheus'],
    ['text/plain', 'prometheus'],
    [
      'text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5',
      'prometheus',
    ],
    ['application/openmetrics-text;version=2.0.0', 'prometheus'],
    ['application/openmetrics-text;q=0', 'prometheus'],
    ['application/json', 'prometheus'],
  ])('when the scraper accepts %p, then the format is %s', (accept, format) => {
    expect(negotiateExposition(accept)).toBe(format);
  });
});

describe('scrape', () => {
  it('when an OpenMetrics scraper asks, then the latency histogram carries the request id as an exemplar', async () => {
    const metrics = observed();

    const scrape = await metrics.scrape(PROMETHEUS_3_ACCEPT);

    expect(scrape.contentType).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(scrape.body).toMatch(
      new RegExp(
        `^http_server_request_duration_seconds_bucket\\{le="0\\.05",[^}]*route="/api/transfers"[^}]*\\} 1 # \\{trace_id="${TRACE_ID}"\\} 0\\.042 \\d+(\\.\\d+)?$`,
        'm',
      ),
    );
    expect(scrape.body.endsWith('\n# EOF\n')).toBe(true);
  });

  it('when a plain client asks, then the Prometheus text format comes without exemplars', async () => {
    const metrics = observed();

    const scrape = await metrics.scrape('*/*');

    expect(scrape.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(scrape.body).toMatch(
      /^http_server_request_duration_seconds_bucket\{le="0.05",[^}]*route="\/api\/transfers"[^}]*\} 1$/m,
    );
    expect(scrape.body).not.toContain('trace_id');
    expect(scrape.body).not.toContain('# EOF');
  });

  it('when the request id is too long for an exemplar, then the request is still counted, without an exemplar', async () => {
    const metrics = createMetrics({ service: 'api', defaultMetrics: false });

    metrics.observeHttpRequest({
      route: '/x',
      method: 'GET',
      statusCode: 200,
      durationSeconds: 0.001,
      traceId: 'a'.repeat(128),
    });
    const body = (await metrics.scrape('application/openmetrics-text')).body;

    expect(body).toMatch(
      /^http_server_request_duration_seconds_count\{.*\} 1$/m,
    );
    expect(body).not.toContain('trace_id');
  });

  it('when OpenMetrics and text scrapes alternate, then counters keep their _total name in the text format', async () => {
    const metrics = createMetrics({ service: 'api', defaultMetrics: false });
    const transfers = new Counter({
      name: 'ledger_transfers_total',
      help: 'Transfers',
      registers: [metrics.registry],
    });
    transfers.inc();

    const open = (await metrics.scrape('application/openmetrics-text')).body;
    const text = (await metrics.scrape(undefined)).body;

    expect(open).toContain('# TYPE ledger_transfers counter');
    expect(open).toMatch(/^ledger_transfers_total\{service="api"\} 1$/m);
    expect(text).toContain('# TYPE ledger_transfers_total counter');
    expect(text).toMatch(/^ledger_transfers_total\{service="api"\} 1$/m);
  });
});

describe('renderOpenMetrics', () => {
  it('when help and label values hold quotes, backslashes and newlines, then they are escaped', async () => {
    const registry = new Registry();
    const counter = new Counter({
      name: 'odd',
      help: 'a "quoted" \\ help\nline',
      labelNames: ['path'],
      registers: [registry],
    });
    counter.inc({ path: 'a"b\\c\nd' });

    const body = await renderOpenMetrics(registry);

    expect(body).toBe(
      [
        '# HELP odd a \\"quoted\\" \\\\ help\\nline',
        '# TYPE odd counter',
        'odd_total{path="a\\"b\\\\c\\nd"} 1',
        '# EOF',
        '',
      ].join('\n'),
    );
  });
});
