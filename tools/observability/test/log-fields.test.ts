import { isIP } from 'node:net';
import {
  kqlFields,
  lineFields,
  logstashFieldRefs,
  logstashRenames,
  mappedFields,
  nginxJsonLogKeys,
} from '../src';
import { listFiles, readJson, readText, readYaml } from './support';
import { sampleService, type ServiceSample } from './service-sample';

const PIPELINE = readText('docker/elk/logstash/pipeline/flotilla.conf');
const DEAD_LETTERS = readText('docker/elk/logstash/pipeline/dead-letters.conf');
const TEMPLATE = readJson<{
  index_patterns: string[];
  template: { settings: Record<string, unknown>; mappings: { properties: Record<string, never> } };
}>('docker/elk/setup/index-template.json');

interface SavedObject {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  references: { name: string; type: string; id: string }[];
}
const SAVED_OBJECTS = readText('docker/elk/setup/kibana/saved-objects.ndjson')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as SavedObject);

/** Fields Filebeat adds (filestream input, container parser, add_docker_metadata). */
const FILEBEAT_FIELDS = [
  'container.id',
  'container.name',
  'container.image.name',
  'container.labels',
  'container.labels.com_docker_compose_service',
  'container.labels.com_docker_compose_project',
  'container.labels.com_docker_compose_container-number',
  'stream',
  'log.file.path',
  'log.offset',
  'agent.ephemeral_id',
  'ecs.version',
];

/** Fields the pipelines write themselves (or the data stream output adds). */
const PIPELINE_FIELDS = [
  'event.original',
  'tags',
  'data_stream.type',
  'data_stream.dataset',
  'data_stream.namespace',
  'labels.compose_project',
  'service.node.name',
  'error.message',
  'log.level',
  'url.path',
];

const GATEWAY_RENAMES = logstashRenames(PIPELINE, 'gateway-to-ecs');
const GATEWAY_FIELDS = Object.values(GATEWAY_RENAMES);

/** Every field named by the saved searches, visualizations and dashboard. */
function kibanaFields(): string[] {
  const fields = new Set<string>();
  for (const object of SAVED_OBJECTS) {
    const attributes = object.attributes;
    for (const column of (attributes['columns'] as string[] | undefined) ?? []) fields.add(column);
    for (const [field] of (attributes['sort'] as [string, string][] | undefined) ?? []) fields.add(field);
    if (typeof attributes['timeFieldName'] === 'string') fields.add(attributes['timeFieldName']);
    const meta = attributes['kibanaSavedObjectMeta'] as { searchSourceJSON?: string } | undefined;
    if (meta?.searchSourceJSON) {
      const source = JSON.parse(meta.searchSourceJSON) as { query?: { query?: string } };
      for (const field of kqlFields(source.query?.query ?? '')) fields.add(field);
    }
    if (typeof attributes['visState'] === 'string') {
      const vis = JSON.parse(attributes['visState']) as { aggs: { params: { field?: string } }[] };
      for (const agg of vis.aggs) if (agg.params.field) fields.add(agg.params.field);
    }
  }
  return [...fields].sort();
}

/** Fields Grafana reads from the logs: the ES datasource settings and the KQL of every Kibana link. */
function grafanaLogFields(): string[] {
  const provisioning = readYaml<{ datasources: { type: string; jsonData?: Record<string, unknown> }[] }>(
    'docker/grafana/provisioning/datasources/datasources.yml',
  );
  const es = provisioning.datasources.find((d) => d.type === 'elasticsearch')?.jsonData ?? {};
  const fields = new Set<string>(
    [es['timeField'], es['logMessageField'], es['logLevelField']].filter((f): f is string => typeof f === 'string'),
  );
  for (const link of (es['dataLinks'] as { field: string }[] | undefined) ?? []) fields.add(link.field);
  const texts = [
    readText('docker/grafana/provisioning/datasources/datasources.yml'),
    ...listFiles('docker/grafana/dashboards', '.json').map((f) => readText('docker/grafana/dashboards', f)),
  ];
  for (const text of texts) {
    for (const match of text.matchAll(/query:'((?:[^'!]|!.)*)'/g)) {
      for (const field of kqlFields((match[1] as string).replace(/\\"/g, '"'))) fields.add(field);
    }
  }
  return [...fields].sort();
}

describe('log fields', () => {
  let sample: ServiceSample;
  let serviceFields: Set<string>;

  beforeAll(async () => {
    sample = await sampleService('api');
    serviceFields = new Set(sample.lines.flatMap((line) => lineFields(line)));
  });

  it('when the service kit handles requests, then its lines carry the ECS fields the stack is built on, with the request id', () => {
    expect([...serviceFields]).toEqual(
      expect.arrayContaining([
        '@timestamp',
        'log.level',
        'message',
        'service.name',
        'trace.id',
        'http.request.method',
        'url.path',
        'http.route',
        'http.response.status_code',
        'event.duration',
        'error.type',
        'error.message',
      ]),
    );
    expect(new Set(sample.lines.map((line) => line['trace.id']))).toEqual(new Set(['sample-trace-0001']));
  });

  it('when Kibana objects name fields, then every one is in the lines the services emit', () => {
    expect(kibanaFields().filter((field) => !serviceFields.has(field))).toEqual([]);
  });

  it('when Grafana reads or links to logs, then every field it names is in the lines the services emit', () => {
    expect(grafanaLogFields().filter((field) => !serviceFields.has(field))).toEqual([]);
  });

  it('when the Logstash pipelines name fields, then each comes from a service, the gateway, Filebeat, or the pipeline itself', () => {
    // The gateway's own keys (request_id, service, …) are read before they are renamed.
    const gatewayKeys = nginxJsonLogKeys(readText('docker/nginx/nginx.conf'), 'json');
    const known = new Set([...serviceFields, ...gatewayKeys, ...GATEWAY_FIELDS, ...FILEBEAT_FIELDS, ...PIPELINE_FIELDS]);
    const refs = [...logstashFieldRefs(PIPELINE), ...logstashFieldRefs(DEAD_LETTERS)];
    expect(refs.filter((field) => !known.has(field))).toEqual([]);
  });

  it('when fields are declared as written by the pipeline, then the pipeline really writes each', () => {
    const written = new Set([...logstashFieldRefs(PIPELINE), ...logstashFieldRefs(DEAD_LETTERS)]);
    const byOutput = (field: string) => field.startsWith('data_stream.') && PIPELINE.includes('data_stream_sync_fields => "true"');
    const byTag = (field: string) => field === 'tags' && /add_tag|tag_on_failure/.test(PIPELINE);
    expect(PIPELINE_FIELDS.filter((field) => !written.has(field) && !byOutput(field) && !byTag(field))).toEqual([]);
  });

  it('when the index template maps fields, then each comes from a service, the gateway, Filebeat, or the pipeline', () => {
    const known = new Set([...serviceFields, ...GATEWAY_FIELDS, ...FILEBEAT_FIELDS, ...PIPELINE_FIELDS]);
    expect(mappedFields(TEMPLATE.template.mappings.properties).filter((field) => !known.has(field))).toEqual([]);
  });

  it('when a service line is indexed, then each value fits the type the template maps it to', () => {
    const types = new Map<string, string>();
    const walk = (props: Record<string, { type?: string; properties?: Record<string, never> }>, prefix = '') => {
      for (const [name, node] of Object.entries(props)) {
        const path = prefix ? `${prefix}.${name}` : name;
        if (node.properties) walk(node.properties, path);
        else if (node.type) types.set(path, node.type);
      }
    };
    walk(TEMPLATE.template.mappings.properties);
    const misfits: string[] = [];
    for (const line of sample.lines) {
      for (const [field, value] of Object.entries(line)) {
        const type = types.get(field);
        if (value === null || type === undefined) continue;
        const fits =
          type === 'long' ? Number.isInteger(value)
          : type === 'float' ? typeof value === 'number'
          : type === 'date' ? typeof value === 'string' && !Number.isNaN(Date.parse(value))
          : type === 'ip' ? typeof value === 'string' && isIP(value) !== 0
          : typeof value === 'string';
        if (!fits) misfits.push(`${field}=${JSON.stringify(value)} is not ${type}`);
      }
    }
    expect(misfits).toEqual([]);
  });

  it("when the gateway's access log format is read, then the pipeline maps every one of its keys to ECS", () => {
    const keys = nginxJsonLogKeys(readText('docker/nginx/nginx.conf'), 'json');
    expect(keys).toContain('request_id');
    const mapped = new Set([...Object.keys(GATEWAY_RENAMES), '@timestamp', 'service']);
    expect(keys.filter((key) => !mapped.has(key))).toEqual([]);
    expect(Object.keys(GATEWAY_RENAMES).filter((key) => !keys.includes(key) && !key.startsWith('[@metadata]'))).toEqual([]);
    // The W3C trace id (nginx.conf, $trace_id) joins the gateway's line to the services'.
    expect(GATEWAY_RENAMES['trace_id']).toBe('trace.id');
    expect(GATEWAY_RENAMES['request_id']).toBe('http.request.id');
  });
});

describe('Kibana saved objects', () => {
  const byId = new Map(SAVED_OBJECTS.map((object) => [object.id, object]));

  it('when the ndjson is read, then ids are unique and every reference resolves to an object in the file', () => {
    expect(byId.size).toBe(SAVED_OBJECTS.length);
    const dangling = SAVED_OBJECTS.flatMap((object) =>
      object.references.filter((ref) => byId.get(ref.id)?.type !== ref.type).map((ref) => `${object.id} -> ${ref.type}:${ref.id}`),
    );
    expect(dangling).toEqual([]);
  });

  it('when the data view is read, then it covers the logs-flotilla data streams by @timestamp', () => {
    const views = SAVED_OBJECTS.filter((object) => object.type === 'index-pattern');
    expect(views).toHaveLength(1);
    expect(views[0]?.attributes).toMatchObject({ title: 'logs-flotilla-*', timeFieldName: '@timestamp' });
    expect(TEMPLATE.index_patterns).toEqual(['logs-flotilla-*']);
  });

  it('when saved searches are read, then there is one per service, filtered by service.name', () => {
    const queries = SAVED_OBJECTS.filter((object) => object.type === 'search').map((object) => {
      const meta = object.attributes['kibanaSavedObjectMeta'] as { searchSourceJSON: string };
      return (JSON.parse(meta.searchSourceJSON) as { query: { query: string } }).query.query;
    });
    for (const service of ['api', 'auth', 'gateway', 'web']) {
      expect(queries).toContain(`service.name : "${service}"`);
    }
  });

  it('when the dashboard is read, then it shows errors over time, slowest requests and top routes', () => {
    const dashboard = SAVED_OBJECTS.find((object) => object.type === 'dashboard') as SavedObject;
    const panels = JSON.parse(dashboard.attributes['panelsJSON'] as string) as { panelRefName: string }[];
    const targets = panels.map((panel) => dashboard.references.find((ref) => ref.name === panel.panelRefName)?.id);
    expect(targets).toEqual(
      expect.arrayContaining(['flotilla-errors-over-time', 'flotilla-slowest-requests', 'flotilla-top-routes']),
    );
  });
});
