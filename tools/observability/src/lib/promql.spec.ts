import { metricNamesIn } from './promql';

describe('metricNamesIn', () => {
  it('when an expression has functions, aggregations and label matchers, then only metric names are returned', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (service, le) (rate(http_server_request_duration_seconds_bucket{service="api", route=~"/a|b"}[5m])))',
      ),
    ).toEqual(['http_server_request_duration_seconds_bucket']);
  });

  it('when binary operators, vector matching and recording rule names appear, then every operand metric is found', () => {
    expect(
      metricNamesIn(
        'sum by (instance) (pg_stat_database_numbackends) / on (instance) group_left max by (instance) (pg_settings_max_connections) > 0.8 and service:http_server_requests:rate5m offset 5m',
      ),
    ).toEqual(['pg_settings_max_connections', 'pg_stat_database_numbackends', 'service:http_server_requests:rate5m']);
  });

  it('when label values look like metric names, then they are not reported', () => {
    expect(metricNamesIn('up{job="not_a_metric"} == 0 or absent(up{job="api", service="api"})')).toEqual(['up']);
  });

  it('when numbers, durations and subqueries appear, then none is taken for a metric', () => {
    expect(metricNamesIn('max_over_time(deriv(x_total[10m])[1h:5m]) * 1e3 + 0x1F - 14.4 * 0.01')).toEqual([
      'x_total',
    ]);
  });

  it('when a bare metric is compared with bool, then bool is a keyword', () => {
    expect(metricNamesIn('nginx_up == bool 1')).toEqual(['nginx_up']);
  });
});
