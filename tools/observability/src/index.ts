export { metricNamesIn } from './lib/promql';
export { parseExposition, parseNameList, SYNTHETIC_METRICS } from './lib/metric-catalogue';
export {
  allPanels,
  dashboardQueries,
  interpolate,
  variablesUsed,
  type DashboardQuery,
  type GrafanaDashboard,
  type GrafanaPanel,
  type GrafanaLink,
} from './lib/grafana';
export {
  startPrometheus,
  type PrometheusProcess,
  type QueryResult,
  type Sample,
  type StartPrometheusOptions,
} from './lib/prometheus-process';
export {
  kqlFields,
  lineFields,
  logstashFieldRefs,
  logstashRenames,
  mappedFields,
  nginxJsonLogKeys,
} from './lib/fields';
export {
  composeInterpolate,
  judgeHealthcheck,
  PROBE_COMMANDS,
  runWithStubbedProbes,
  shellHealthchecks,
  shellHealthchecksOfFile,
  type HealthcheckVerdict,
  type ProbeRun,
  type ShellHealthcheck,
} from './lib/healthchecks';
export {
  CLUSTER_PRIVILEGES,
  defaultFieldProblems,
  INDEX_PRIVILEGES,
  mappedLeaves,
  SEARCHABLE_TEXT_TYPES,
  validateElasticBody,
  type ElasticBody,
} from './lib/elastic';
export {
  autoRoutingProblems,
  elasticsearchOutputs,
  enclosingConditions,
  originalCopyProblems,
  parseLogstash,
  walkBlocks,
  type LogstashBlock,
} from './lib/logstash';
export { dashboardProblems } from './lib/grafana-schema';
export { collectorProblems, exporterTargets, otlpHttpPort, type CollectorConfig } from './lib/otel-collector';
export {
  exporterMetricNames,
  exporterSamples,
  fieldPath,
  type ExporterSample,
  type JsonExporterConfig,
  type JsonExporterMetric,
} from './lib/json-exporter';
