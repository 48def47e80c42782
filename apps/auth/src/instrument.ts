import { startTracing } from '@flotilla/tracing';

// The first import of main.ts: the SDK patches http and pg as they are
// required, so it must start before anything loads them. Like main.ts, this
// entry file reads the environment itself (the rest of the app gets a config).
export const tracing = startTracing({
  serviceName: 'auth',
  otlpEndpoint: process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] || undefined,
});
