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
