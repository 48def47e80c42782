import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The route label of a request that matched no route (404s, scanners). */
export const UNMATCHED_ROUTE = '__unmatched__';

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]);

export type HttpLabel = 'route' | 'method' | 'status_code';

export interface Metrics {
  /** This app instance's own registry: tests build many apps in one process. */
  registry: Registry;
  /** `http_server_request_duration_seconds{route,method,status_code}`. */
  httpRequestDuration: Histogram<HttpLabel>;
  /** Records one finished request. `route` is the route template, or undefined when none matched. */
  observeHttpRequest(request: HttpObservation): void;
  /**
   * Adds `service_ready{check}` (1 passing, 0 failing), filled at scrape time
   * by running `probe`: alerts see the same checks as /readyz.
   */
  trackReadiness(probe: ReadinessProbe): void;
}

/** Each check's name and whether it passed. */
export type ReadinessProbe = () => Promise<Record<string, boolean>>;

export interface HttpObservation {
  route: string | undefined;
  method: string;
  statusCode: number;
  durationSeconds: number;
}

export interface CreateMetricsOptions {
  service: string;
  /** Histogram buckets in seconds; defaults suit a JSON API behind a proxy. */
  buckets?: number[];
  /** Default process_* and nodejs_* metrics; on unless a test turns them off. */
  defaultMetrics?: boolean;
}

/**
 * Exemplars are not emitted: prom-client only renders them in the OpenMetrics
 * format, and this registry keeps the Prometheus text format that every
 * scraper accepts. The request id is in the log line instead.
 */
export function createMetrics(options: CreateMetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry });
  }
  const httpRequestDuration = new Histogram<HttpLabel>({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests, by route template, method and status code.',
    labelNames: ['route', 'method', 'status_code'],
    buckets: options.buckets ?? [
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ],
    registers: [registry],
  });
  let readiness: Gauge<'check'> | undefined;
  return {
    registry,
    httpRequestDuration,
    trackReadiness(probe) {
      if (readiness)
        throw new Error('trackReadiness was already called for this registry');
      readiness = new Gauge<'check'>({
        name: 'service_ready',
        help: 'Whether each readiness check passes (1) or fails (0), checked at scrape time.',
        labelNames: ['check'],
        registers: [registry],
        async collect() {
          const results = await probe();
          this.reset();
          for (const [check, ok] of Object.entries(results))
            this.set({ check }, ok ? 1 : 0);
        },
      });
    },
    observeHttpRequest({ route, method, statusCode, durationSeconds }) {
      httpRequestDuration.observe(
        {
          route: route ?? UNMATCHED_ROUTE,
          method: normaliseMethod(method),
          status_code: String(statusCode),
        },
        durationSeconds,
      );
    },
  };
}

/** Methods are client-chosen strings too; only known ones become label values. */
export function normaliseMethod(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : 'OTHER';
}
