export { startTracing, type Tracing, type TracingOptions } from './lib/start-tracing';
