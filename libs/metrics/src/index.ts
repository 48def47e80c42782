export {
  createMetrics,
  normaliseMethod,
  UNMATCHED_ROUTE,
  type CreateMetricsOptions,
  type HttpLabel,
  type HttpObservation,
  type Metrics,
  type ReadinessProbe,
  type Scrape,
} from './lib/create-metrics';
export {
  negotiateExposition,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  renderOpenMetrics,
  type ExpositionFormat,
} from './lib/exposition';
