import { parse } from 'yaml';
import {
  allPanels,
  dashboardQueries,
  interpolate,
  metricNamesIn,
  startPrometheus,
  variablesUsed,
  type GrafanaDashboard,
  type PrometheusProcess,
} from '../src';
import { exportedMetricNames, listFiles, readJson, readText, recordedNames } from './support';

const DASHBOARD_DIR = 'docker/grafana/dashboards';
const dashboards = listFiles(DASHBOARD_DIR, '.json').map((file) => ({
  file,
  model: readJson<GrafanaDashboard>(DASHBOARD_DIR, file),
}));

interface ProvisionedDatasource {
  name: string;
  uid: string;
  type: string;
  url: string;
  basicAuth?: boolean;
  basicAuthUser?: string;
  secureJsonData?: Record<string, string>;
  jsonData?: Record<string, unknown>;
}
const datasources = parse(readText('docker/grafana/provisioning/datasources/datasources.yml')) as {
  datasources: ProvisionedDatasource[];
};

/** Every link URL of a dashboard: dashboard links and panel/field data links. */
const linksOf = (dashboard: GrafanaDashboard) => [
  ...(dashboard.links ?? []),
  ...allPanels(dashboard).flatMap((panel) => [...(panel.links ?? []), ...(panel.fieldConfig?.defaults?.links ?? [])]),
];

describe('Grafana dashboards', () => {
  let prometheus: PrometheusProcess;

  beforeAll(async () => {
    prometheus = await startPrometheus();
  });

  afterAll(async () => {
    await prometheus?.stop();
  });

  it('when the dashboards are read, then the five dashboards exist, parse, and have unique uids', () => {
    expect(dashboards.map((d) => d.file)).toEqual([
      'flotilla-gateway.json',
      'flotilla-ledger.json',
      'flotilla-messaging.json',
      'flotilla-postgres.json',
      'flotilla-rabbitmq.json',
      'flotilla-red.json',
    ]);
    const uids = dashboards.map((d) => d.model.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.every((uid) => typeof uid === 'string' && uid.length > 0 && uid.length <= 40)).toBe(true);
  });

  it.each(dashboards)('when $file is read, then its panel ids are unique', ({ model }) => {
    const ids = allPanels(model).map((panel) => panel.id);
    expect(ids.every((id) => Number.isInteger(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(dashboards)('when $file is read, then every PromQL expression parses in Prometheus', async ({ model }) => {
    const queries = dashboardQueries(model);
    expect(queries.length).toBeGreaterThan(0);
    const rejected: string[] = [];
    for (const query of queries) {
      const result = await prometheus.query(interpolate(query.expr));
      if (!result.ok) rejected.push(`${query.where}: ${result.error}`);
    }
    expect(rejected).toEqual([]);
  });

  it('when a syntax error is sent, then the Prometheus check rejects it', async () => {
    expect((await prometheus.query('sum by (service (up)')).ok).toBe(false);
  });

  it.each(dashboards)('when $file is read, then every metric it queries is exported or recorded', async ({ model }) => {
    const { names, source } = await exportedMetricNames();
    const recorded = recordedNames();
    const unknown = dashboardQueries(model).flatMap((query) =>
      metricNamesIn(interpolate(query.expr))
        .filter((name) => !names.has(name) && !recorded.has(name))
        .map((name) => `${query.where}: ${name} (not in ${source} nor the exporter lists)`),
    );
    expect(unknown).toEqual([]);
  });

  it.each(dashboards)('when $file is read, then every variable a query or link uses is defined', ({ model }) => {
    const defined = new Set((model.templating?.list ?? []).map((v) => v.name));
    const texts = [
      ...dashboardQueries(model).map((q) => q.expr),
      ...linksOf(model).map((link) => link.url ?? ''),
    ];
    const undefinedVariables = texts.flatMap((text) => variablesUsed(text).filter((name) => !defined.has(name)));
    expect(undefinedVariables).toEqual([]);
  });

  it.each(dashboards)('when $file is read, then every panel uses a provisioned datasource', ({ model }) => {
    const uids = new Set(datasources.datasources.map((d) => d.uid));
    const refs = allPanels(model)
      .filter((panel) => panel.type !== 'row')
      .flatMap((panel) => [panel.datasource?.uid, ...(panel.targets ?? []).map((t) => t.datasource?.uid)]);
    expect(refs.filter((uid) => !uids.has(uid as string))).toEqual([]);
  });

  it('when the RED dashboard is read, then it has a service variable and links to Kibana by service and by trace id', () => {
    const red = dashboards.find((d) => d.file === 'flotilla-red.json')?.model as GrafanaDashboard;
    expect(red.templating?.list?.map((v) => v.name)).toEqual(expect.arrayContaining(['service', 'trace_id']));
    const urls = linksOf(red).map((link) => link.url ?? '');
    expect(urls.some((url) => url.includes('service.name:"${service}"'))).toBe(true);
    expect(urls.some((url) => url.includes('trace.id:"${trace_id}"'))).toBe(true);
  });
});

describe('Grafana provisioning', () => {
  const byType = (type: string) => datasources.datasources.find((d) => d.type === type) as ProvisionedDatasource;

  it('when datasources are provisioned, then Prometheus points at the compose service and links exemplars to Kibana (and to Jaeger: otel-collector.test.ts)', () => {
    const prom = byType('prometheus');
    expect(prom).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
    const destinations = prom.jsonData?.['exemplarTraceIdDestinations'] as { name: string; url?: string }[];
    expect(destinations.find((d) => d.url)?.url).toContain("trace.id:\"$${__value.raw}\"");
  });

  it('when datasources are provisioned, then Elasticsearch reads the logs data streams by @timestamp as a read-only user from a secret', () => {
    expect(byType('elasticsearch')).toMatchObject({
      uid: 'elasticsearch-logs',
      url: 'http://elasticsearch:9200',
      basicAuth: true,
      basicAuthUser: 'grafana_reader',
      secureJsonData: { basicAuthPassword: '$__file{/run/secrets/grafana_reader_password}' },
      jsonData: { index: 'logs-flotilla-*', timeField: '@timestamp', logMessageField: 'message', logLevelField: 'log.level' },
    });
  });

  it('when datasources are provisioned, then Alertmanager is the compose service, in its Prometheus flavour', () => {
    expect(byType('alertmanager')).toMatchObject({
      uid: 'alertmanager',
      url: 'http://alertmanager:9093',
      jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false },
    });
  });

  it('when the provisioning file holds link variables, then each is escaped from environment expansion', () => {
    // Grafana expands $VAR/${VAR} in provisioning files from its environment;
    // an unescaped ${__value.raw} would become an empty string.
    const text = readText('docker/grafana/provisioning/datasources/datasources.yml');
    expect(text.match(/(?<!\$)\$\{__/g) ?? []).toEqual([]);
    expect(text).toContain('$${__value.raw}');
  });

  it('when grafana.ini is read, then anonymous access is off and the admin password comes from the secret file', () => {
    const ini = readText('docker/grafana/grafana.ini');
    expect(ini).toMatch(/\[auth\.anonymous\]\s*\nenabled = false/);
    expect(ini).toContain('admin_password = $__file{/run/secrets/grafana_admin_password}');
    expect(ini).toMatch(/allow_sign_up = false/);
  });

  it('when dashboards are provisioned, then the provider reads the folder the JSON files are mounted at', () => {
    const provider = parse(readText('docker/grafana/provisioning/dashboards/flotilla.yml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    // render-dashboards.sh writes them there (with the Kibana URL) from the read-only mount.
    expect(provider.providers[0]).toMatchObject({ type: 'file', options: { path: '/tmp/grafana-dashboards' } });
    expect(readText('docker/grafana/grafana.ini')).toContain('/tmp/grafana-dashboards/flotilla-red.json');
    expect(readText('docker-compose.yml')).toContain('./docker/grafana/dashboards:/etc/flotilla/dashboards:ro');
  });
});
