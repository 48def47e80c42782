import {
  collectDefaultMetrics,
  Gauge,
  Histogram,
  Registry,
  type LabelValues,
} from 'prom-client';
import {
  negotiateExposition,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  renderOpenMetrics,
} from './exposition';

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
  /**
   * `http_server_request_duration_seconds{route,method,status_code}`, with
   * exemplars: observe it with `observe({ labels, value, exemplarLabels })`.
   */
  httpRequestDuration: Histogram<HttpLabel>;
  /** Records one finished request. `route` is the route template, or undefined when none matched. */
  observeHttpRequest(request: HttpObservation): void;
  /**
   * Adds `service_ready{check}` (1 passing, 0 failing), filled at scrape time
   * by running `probe`: alerts see the same checks as /readyz.
   */
  trackReadiness(probe: ReadinessProbe): void;
  /**
   * Renders the registry for a scrape with this `Accept` header: OpenMetrics
   * (with exemplars) when the scraper asks for it, else the Prometheus text format.
   */
  scrape(accept: string | undefined): Promise<Scrape>;
}

export interface Scrape {
  contentType: string;
  body: string;
}

/** Each check's name and whether it passed. */
export type ReadinessProbe = () => Promise<Record<string, boolean>>;

export interface HttpObservation {
  route: string | undefined;
  method: string;
  statusCode: number;
  durationSeconds: number;
  /** The request id; becomes the bucket's exemplar `{trace_id="…"}` in OpenMetrics scrapes. */
  traceId?: string;
}

export interface CreateMetricsOptions {
  service: string;
  /** Histogram buckets in seconds; defaults suit a JSON API behind a proxy. */
  buckets?: number[];
  /** Default process_* and nodejs_* metrics; on unless a test turns them off. */
  defaultMetrics?: boolean;
}

// OpenMetrics caps an exemplar's label names and values at 128 characters together.
const EXEMPLAR_LABEL_BUDGET = 128 - 'trace_id'.length;

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
    enableExemplars: true,
    // prom-client refuses exemplars on a metric constructed into a Prometheus-format
    // registry because that format cannot show them; this registry renders them in
    // OpenMetrics scrapes (renderOpenMetrics) and leaves them out of the text format.
    registers: [],
  });
  registry.registerMetric(httpRequestDuration);
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
    observeHttpRequest({
      route,
      method,
      statusCode,
      durationSeconds,
      traceId,
    }) {
      httpRequestDuration.observe({
        labels: {
          route: route ?? UNMATCHED_ROUTE,
          method: normaliseMethod(method),
          status_code: String(statusCode),
        },
        value: durationSeconds,
        exemplarLabels: exemplarFor(traceId),
      });
    },
    async scrape(accept) {
      return negotiateExposition(accept) === 'openmetrics'
        ? {
            contentType: OPENMETRICS_CONTENT_TYPE,
            body: await renderOpenMetrics(registry),
          }
        : {
            contentType: PROMETHEUS_CONTENT_TYPE,
            body: await registry.metrics(),
          };
    },
  };
}

/**
 * prom-client throws on a longer label set, so such a request has no exemplar.
 * Its typings want exemplar labels named like the metric's own; they need not be.
 */
function exemplarFor(traceId: string | undefined): LabelValues<HttpLabel> {
  const labels: Record<string, string> =
    traceId && traceId.length <= EXEMPLAR_LABEL_BUDGET
      ? { trace_id: traceId }
      : {};
  return labels as LabelValues<HttpLabel>;
}

/** Methods are client-chosen strings too; only known ones become label values. */
export function normaliseMethod(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : 'OTHER';
}
