import { parse } from 'yaml';
import { collectorProblems, exporterTargets, otlpHttpPort, type CollectorConfig } from '../src';
import { readText } from './support';

/*
 * Issue 14, "Traces": the observability profile's OpenTelemetry Collector and
 * Jaeger cannot run here, so their wiring is read: the collector's config
 * (typed, plus the checks the collector makes only at start or never), the
 * compose services it joins, and Grafana's datasources. Each check is also fed
 * a broken copy and must fail.
 */
type Compose = {
  services: Record<string, { profiles?: string[]; networks?: string[]; expose?: string[]; environment?: Record<string, string>; volumes?: string[] }>;
};
const compose = parse(readText('docker-compose.yml'), { merge: true }) as Compose;
const configText = readText('docker/otel-collector/config.yaml');
const config = parse(configText) as CollectorConfig;
const copy = (): CollectorConfig => structuredClone(config);

/** The compose service a host:port names, if it is reachable from `from` (a shared network) and exposes the port. */
function reachable(from: string, host: string, port: number, services = compose.services): string[] {
  const target = services[host];
  if (!target) return [`${host} is not a compose service`];
  const problems: string[] = [];
  const shared = (services[from]?.networks ?? []).filter((n) => (target.networks ?? []).includes(n));
  if (shared.length === 0) problems.push(`${from} and ${host} share no network`);
  if (!(target.expose ?? []).includes(String(port))) problems.push(`${host} does not expose ${port}`);
  return problems;
}

/** What the services are told to use with the profile (docs, .env.example, compose comments). */
const DOCUMENTED_ENDPOINT = 'http://otel-collector:4318';

function endpointProblems(services = compose.services, collector = config): string[] {
  const problems: string[] = [];
  const [, host = '', port = ''] = /^http:\/\/([\w-]+):(\d+)$/.exec(DOCUMENTED_ENDPOINT) ?? [];
  if (otlpHttpPort(collector) !== Number(port)) problems.push(`the collector's OTLP/HTTP receiver is not on ${port}`);
  for (const service of ['api', 'auth']) {
    if (services[service]?.environment?.['OTEL_EXPORTER_OTLP_ENDPOINT'] !== '${OTEL_EXPORTER_OTLP_ENDPOINT:-}') {
      problems.push(`${service} does not take OTEL_EXPORTER_OTLP_ENDPOINT from the environment`);
    }
    problems.push(...reachable(service, host, Number(port), services));
  }
  return problems;
}

describe('the OpenTelemetry Collector configuration', () => {
  it('when the config is checked, then it has no problems', () => {
    expect(collectorProblems(config)).toEqual([]);
  });

  it('when the config is mounted, then the compose service reads that file under the profile', () => {
    const collector = compose.services['otel-collector'];
    expect(collector?.profiles).toEqual(['observability']);
    expect(collector?.volumes).toContain('./docker/otel-collector/config.yaml:/etc/otelcol-contrib/config.yaml:ro');
  });

  it('when the exporters are read, then each sends to a compose service of the profile the collector reaches', () => {
    const targets = exporterTargets(config);
    expect(targets.map((t) => t.host)).toEqual(['jaeger']);
    for (const { host, port } of targets) expect(reachable('otel-collector', host, port)).toEqual([]);
    expect(compose.services['jaeger']?.profiles).toEqual(['observability']);
  });

  it('when the services are configured, then the documented endpoint reaches the collector’s OTLP/HTTP receiver', () => {
    expect(endpointProblems()).toEqual([]);
    expect(readText('.env.example')).toContain(`Traces: with COMPOSE_PROFILES=observability, ${DOCUMENTED_ENDPOINT}`);
  });
});

describe('the collector checks on broken input', () => {
  it('when a pipeline names an undefined exporter, then it is a problem', () => {
    const broken = copy();
    broken.service.pipelines['traces'] = { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp/tempo'] };
    expect(collectorProblems(broken)).toEqual(expect.arrayContaining([expect.stringMatching(/names exporter otlp\/tempo, which is not defined/)]));
  });

  it('when a receiver listens on localhost (the collector default), then it is a problem', () => {
    const broken = parse(configText.replace('endpoint: 0.0.0.0:4318', 'endpoint: localhost:4318')) as CollectorConfig;
    expect(collectorProblems(broken)).toEqual([expect.stringMatching(/receivers\.otlp\.protocols\.http\.endpoint is localhost:4318/)]);
  });

  it('when batch comes before memory_limiter, then both orders are problems', () => {
    const broken = copy();
    (broken.service.pipelines['traces'] as { processors: string[] }).processors = ['batch', 'memory_limiter'];
    expect(collectorProblems(broken)).toEqual([
      'pipeline traces: memory_limiter must be the first processor',
      'pipeline traces: batch must be the last processor',
    ]);
  });

  it('when a key is misspelt or a signal is unknown, then the shape check refuses it', () => {
    expect(collectorProblems({ ...copy(), exporter: {} })).toEqual([expect.stringMatching(/additional properties: exporter/)]);
    const broken = copy();
    broken.service.pipelines = { spans: { receivers: ['otlp'], exporters: ['otlp/jaeger'] } };
    expect(collectorProblems(broken).join('\n')).toMatch(/property name/);
  });

  it('when an extension is enabled but not defined, or an exporter is in no pipeline, then it is a problem', () => {
    const broken = copy();
    broken.service.extensions = ['health_check', 'pprof'];
    broken.exporters['debug'] = {};
    expect(collectorProblems(broken)).toEqual([
      'exporter debug is defined but in no pipeline',
      'service.extensions names pprof, which is not defined',
    ]);
  });

  it('when the exporter names a service off the collector’s networks or a port it does not expose, then it is a problem', () => {
    const services = structuredClone(compose.services);
    services['jaeger'] = { ...services['jaeger'], networks: ['edge'], expose: ['16686'] };
    expect(reachable('otel-collector', 'jaeger', 4317, services)).toEqual(['otel-collector and jaeger share no network', 'jaeger does not expose 4317']);
    expect(reachable('otel-collector', 'tempo', 4317, services)).toEqual(['tempo is not a compose service']);
  });

  it('when a service is not given the endpoint, or the receiver moves, then the wiring check fails', () => {
    const services = structuredClone(compose.services);
    delete services['auth']?.environment?.['OTEL_EXPORTER_OTLP_ENDPOINT'];
    expect(endpointProblems(services)).toEqual(['auth does not take OTEL_EXPORTER_OTLP_ENDPOINT from the environment']);
    const moved = parse(configText.replace('0.0.0.0:4318', '0.0.0.0:4319')) as CollectorConfig;
    expect(endpointProblems(compose.services, moved)).toEqual(["the collector's OTLP/HTTP receiver is not on 4318"]);
  });
});

interface Datasource {
  uid: string;
  type: string;
  url?: string;
  jsonData?: Record<string, unknown>;
}
const datasources = (parse(readText('docker/grafana/provisioning/datasources/datasources.yml')) as { datasources: Datasource[] }).datasources;

/** Exemplar destinations that open a trace must name a provisioned tracing datasource. */
function exemplarProblems(list: Datasource[]): string[] {
  const prometheus = list.find((d) => d.type === 'prometheus');
  const destinations = (prometheus?.jsonData?.['exemplarTraceIdDestinations'] ?? []) as { name: string; datasourceUid?: string }[];
  const tracing = new Set(list.filter((d) => d.type === 'jaeger' || d.type === 'tempo').map((d) => d.uid));
  const toTraces = destinations.filter((d) => d.datasourceUid);
  if (toTraces.length === 0) return ['no exemplar destination opens a trace'];
  return toTraces.flatMap((d) =>
    [
      ...(d.name === 'trace_id' ? [] : [`exemplar label ${d.name} is not trace_id (libs/metrics)`]),
      ...(tracing.has(d.datasourceUid as string) ? [] : [`exemplar destination ${d.datasourceUid} is not a provisioned tracing datasource`]),
    ],
  );
}

describe('Grafana and the traces', () => {
  it('when the datasources are read, then Jaeger is the compose service and the exemplars open their trace in it', () => {
    expect(datasources.find((d) => d.uid === 'jaeger')).toMatchObject({ type: 'jaeger', url: 'http://jaeger:16686' });
    expect(compose.services['jaeger']?.expose).toContain('16686');
    expect(exemplarProblems(datasources)).toEqual([]);
  });

  it('when a span is opened in Grafana, then its logs are searched by the trace.id the services log', () => {
    const jaeger = datasources.find((d) => d.uid === 'jaeger');
    expect(jaeger?.jsonData?.['tracesToLogsV2']).toMatchObject({ datasourceUid: 'elasticsearch-logs', query: 'trace.id:"$${__trace.traceId}"' });
    expect(datasources.map((d) => d.uid)).toContain('elasticsearch-logs');
  });

  it('when the exemplar destination is missing or names no tracing datasource, then the check fails', () => {
    const withoutJaeger = datasources.filter((d) => d.uid !== 'jaeger');
    expect(exemplarProblems(withoutJaeger)).toEqual(['exemplar destination jaeger is not a provisioned tracing datasource']);
    const noTraceLink = structuredClone(datasources);
    const prometheus = noTraceLink.find((d) => d.type === 'prometheus') as Datasource;
    prometheus.jsonData = { ...prometheus.jsonData, exemplarTraceIdDestinations: [{ name: 'trace_id', url: 'http://kibana' }] };
    expect(exemplarProblems(noTraceLink)).toEqual(['no exemplar destination opens a trace']);
  });

  it('when Prometheus runs in the stack, then exemplar storage is on (exemplars are dropped otherwise)', () => {
    expect(readText('docker-compose.yml')).toContain('--enable-feature=exemplar-storage');
  });
});
