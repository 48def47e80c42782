import { parseExposition, parseNameList } from './metric-catalogue';

describe('parseNameList', () => {
  it('when a list has comments and blank lines, then only the names are kept', () => {
    expect([...parseNameList('# header\n\nup\n  pg_up  \n# x\n')]).toEqual(['up', 'pg_up']);
  });
});

describe('parseExposition', () => {
  it('when a scrape has HELP/TYPE lines, labels and exemplars, then each sample name appears once', () => {
    const text = [
      '# HELP http_server_request_duration_seconds Duration',
      '# TYPE http_server_request_duration_seconds histogram',
      'http_server_request_duration_seconds_bucket{le="0.25",route="/x"} 3 # {trace_id="abc"} 0.1',
      'http_server_request_duration_seconds_bucket{le="+Inf",route="/x"} 4',
      'http_server_request_duration_seconds_count{route="/x"} 4',
      'process_cpu_seconds_total 1.5',
    ].join('\n');
    expect([...parseExposition(text)].sort()).toEqual([
      'http_server_request_duration_seconds_bucket',
      'http_server_request_duration_seconds_count',
      'process_cpu_seconds_total',
    ]);
  });
});
