export {
  createMetrics,
  normaliseMethod,
  UNMATCHED_ROUTE,
  type CreateMetricsOptions,
  type HttpLabel,
  type HttpObservation,
  type Metrics,
  type ReadinessProbe,
} from './lib/create-metrics';
