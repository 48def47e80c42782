export {
  createMetrics,
  normaliseMethod,
  UNMATCHED_ROUTE,
  type CreateMetricsOptions,
  type HttpLabel,
  type HttpObservation,
  type Metrics,
} from './lib/create-metrics';
