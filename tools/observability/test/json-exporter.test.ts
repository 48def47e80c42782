import { exporterMetricNames, exporterSamples, metricNamesIn, type JsonExporterConfig } from '../src';
import { readJson, readText, readYaml, type RuleFile } from './support';

/*
 * Fixtures: real responses, from the captures Elastic's Metricbeat tests parse
 * (elastic/beats, metricbeat/module/logstash/node_stats/_meta/test/node_stats.840.json
 * and metricbeat/module/beat/stats/_meta/test/stats.800.json), trimmed to the
 * parts around what is read. Two edits, both of names this stack sets: the
 * pipeline id "main" is "flotilla" (docker/elk/logstash/config/pipelines.yml)
 * and the beat's output type is "logstash". The Filebeat capture is of a beat
 * whose output acknowledged nothing while 37 events were active: the state
 * FilebeatOutputStalled is about.
 */
const config = () => readYaml<JsonExporterConfig>('docker/json-exporter/config.yml');
const logstashStats = () => readJson('tools/observability/test/fixtures/logstash-node-stats.json');
const filebeatStats = () => readJson('tools/observability/test/fixtures/filebeat-stats.json');

interface RuleTests {
  tests: { input_series: { series: string }[] }[];
}
interface ScrapeJob {
  job_name: string;
  metrics_path?: string;
  params?: Record<string, string[]>;
}

/** Names the log-pipeline alerts and their promtool tests use that the exporter config does not produce. */
function unproduced(exporter: JsonExporterConfig): string[] {
  const produced = new Set(exporterMetricNames(exporter));
  const rules = readYaml<RuleFile>('docker/prometheus/rules/log-pipeline.yml').groups.flatMap((g) => g.rules);
  const inRules = rules.flatMap((rule) => metricNamesIn(rule.expr).map((name) => `${rule.alert}: ${name}`));
  const inTests = readYaml<RuleTests>('docker/prometheus/tests/log-pipeline.test.yml').tests.flatMap((group) =>
    group.input_series.map((s) => `log-pipeline.test.yml: ${s.series.split('{', 1)[0]}`),
  );
  return [...inRules, ...inTests].filter((entry) => !produced.has(entry.split(': ')[1] ?? ''));
}

describe('json_exporter config (docker/json-exporter/config.yml)', () => {
  it("when the logstash module reads a real _node/stats response, then it gives the flotilla pipeline's counters and queue", () => {
    const { samples, problems } = exporterSamples(config(), 'logstash', logstashStats());

    expect(problems).toEqual([]);
    expect(samples).toEqual(
      expect.arrayContaining([
        { name: 'logstash_pipeline_events_in_total', labels: { pipeline: 'flotilla' }, value: 65 },
        { name: 'logstash_pipeline_events_out_total', labels: { pipeline: 'flotilla' }, value: 65 },
        { name: 'logstash_pipeline_queue_events', labels: { pipeline: 'flotilla' }, value: 0 },
      ]),
    );
    expect(samples.map((s) => s.name).sort()).toEqual(exporterMetricNames(config(), 'logstash').sort());
  });

  it('when the filebeat module reads a real /stats response, then it gives the active events and the acknowledged count', () => {
    const { samples, problems } = exporterSamples(config(), 'filebeat', filebeatStats());

    expect(problems).toEqual([]);
    expect(samples).toEqual(
      expect.arrayContaining([
        { name: 'filebeat_pipeline_events_active', labels: {}, value: 37 },
        { name: 'filebeat_output_events_acked_total', labels: {}, value: 0 },
      ]),
    );
    expect(samples.map((s) => s.name).sort()).toEqual(exporterMetricNames(config(), 'filebeat').sort());
  });

  it('when a path names a pipeline id the stack does not have, then the samples are missing and the problem is named', () => {
    const broken = config();
    const events = broken.modules['logstash']?.metrics[0];
    if (!events) throw new Error('no logstash metrics');
    events.path = '{ .pipelines.main.events }';

    const { samples, problems } = exporterSamples(broken, 'logstash', logstashStats());

    expect(samples.map((s) => s.name)).not.toContain('logstash_pipeline_events_in_total');
    expect(problems).toEqual(['logstash_pipeline_events: { .pipelines.main.events } finds no object in the response']);
  });

  it('when a path is a JSONPath filter or wildcard, then it is reported, not guessed', () => {
    const broken = config();
    const events = broken.modules['logstash']?.metrics[0];
    if (!events) throw new Error('no logstash metrics');
    events.path = '{ .pipelines[*].events }';

    expect(exporterSamples(broken, 'logstash', logstashStats()).problems).toContain(
      'logstash_pipeline_events: { .pipelines[*].events } is not a plain { .field.path }',
    );
  });

  it('when the alerts and their rule tests name Logstash and Filebeat metrics, then the exporter config produces every one', () => {
    expect(unproduced(config())).toEqual([]);
  });

  it('when the config renames a value the alert uses, then the check names the alert and the metric', () => {
    const broken = config();
    const values = broken.modules['logstash']?.metrics[0]?.values;
    if (!values) throw new Error('no logstash values');
    values['out'] = values['out_total'] ?? '';
    delete values['out_total'];

    expect(unproduced(broken)).toEqual(
      expect.arrayContaining(['LogstashPipelineStalled: logstash_pipeline_events_out_total', 'log-pipeline.test.yml: logstash_pipeline_events_out_total']),
    );
  });

  it("when Prometheus probes the shippers, then each job names a module of the config and the port the shipper's config listens on", () => {
    const jobs = readYaml<{ scrape_configs: ScrapeJob[] }>('docker/prometheus/prometheus.yml').scrape_configs;
    const logstashPort = /^api\.http\.port:\s*(\d+)/m.exec(readText('docker/elk/logstash/config/logstash.yml'))?.[1];
    const filebeatPort = /^http\.port:\s*(\d+)/m.exec(readText('docker/elk/filebeat/filebeat.yml'))?.[1];

    const probe = (name: string) => {
      const job = jobs.find((j) => j.job_name === name);
      return { path: job?.metrics_path, module: job?.params?.['module'], target: job?.params?.['target'] };
    };

    expect(probe('logstash')).toEqual({ path: '/probe', module: ['logstash'], target: [`http://logstash:${logstashPort}/_node/stats`] });
    expect(probe('filebeat')).toEqual({ path: '/probe', module: ['filebeat'], target: [`http://filebeat:${filebeatPort}/stats`] });
    expect(Object.keys(config().modules).sort()).toEqual(['filebeat', 'logstash']);
  });
});
