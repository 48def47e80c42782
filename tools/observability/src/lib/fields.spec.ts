import { kqlFields, lineFields, logstashFieldRefs, logstashRenames, mappedFields, nginxJsonLogKeys } from './fields';

describe('logstashFieldRefs', () => {
  it('when a config references fields in conditions, options and sprintf, then each is returned dotted, comments and @metadata excluded', () => {
    const config = [
      '# [commented][out]',
      'if ![service][name] and [container][labels][com_docker_compose_service] {',
      '  mutate { copy => { "[a][b]" => "[@metadata][x]" } replace => { "message" => "%{[http][request][method]}" } }',
      '}',
    ].join('\n');
    expect(logstashFieldRefs(config)).toEqual([
      'a.b',
      'container.labels.com_docker_compose_service',
      'http.request.method',
      'service.name',
    ]);
  });
});

describe('logstashRenames', () => {
  it('when a mutate has an id and a rename block, then its pairs are returned with dotted targets', () => {
    const config = 'mutate { id => "x" rename => { "status" => "[http][response][status_code]" "uri" => "[url][original]" } }';
    expect(logstashRenames(config, 'x')).toEqual({ status: 'http.response.status_code', uri: 'url.original' });
    expect(logstashRenames(config, 'missing')).toEqual({});
  });
});

describe('mappedFields', () => {
  it('when a mapping nests objects, then the leaves are dotted paths and untyped-object fields are skipped', () => {
    expect(
      mappedFields({
        '@timestamp': { type: 'date' },
        http: { properties: { response: { properties: { status_code: { type: 'long' } } } } },
        labels: { type: 'object' },
      }),
    ).toEqual(['@timestamp', 'http.response.status_code']);
  });
});

describe('kqlFields', () => {
  it('when a query has comparisons, groups and quoted values that look like fields, then only the fields are returned', () => {
    expect(kqlFields('log.level : ("error" or "fatal") or http.response.status_code >= 500 and message : "a:b"')).toEqual([
      'http.response.status_code',
      'log.level',
      'message',
    ]);
  });
});

describe('lineFields', () => {
  it('when a line mixes dotted and nested keys, then both read as dotted paths', () => {
    expect(lineFields({ 'log.level': 'info', http: { route: null }, tags: ['a'] })).toEqual([
      'log.level',
      'http.route',
      'tags',
    ]);
  });
});

describe('nginxJsonLogKeys', () => {
  it('when nginx.conf has a JSON log_format, then its keys are returned in order', () => {
    const conf = `log_format main '$remote_addr';\nlog_format json escape=json '{'\n  '"@timestamp":"$time_iso8601",'\n  '"status":$status'\n'}';`;
    expect(nginxJsonLogKeys(conf, 'json')).toEqual(['@timestamp', 'status']);
    expect(nginxJsonLogKeys(conf, 'absent')).toEqual([]);
  });
});
