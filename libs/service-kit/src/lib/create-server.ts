import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import {
  createFastifyLogger,
  createLogger,
  type Logger,
} from '@flotilla/logging';
import { createMetrics, type Metrics } from '@flotilla/metrics';
import { parseTrustProxy, type BaseConfig } from './config';
import { errorHandler, notFoundHandler } from './errors';
import {
  createHealthRegistry,
  healthzResponseSchema,
  readyzResponseSchema,
  type HealthRegistry,
} from './health';
import { genReqId, REQUEST_ID_HEADER } from './request-id';
import { buildValidator } from './validation';

function activeTraceId(): string | undefined {
  const span = trace.getSpanContext(context.active());
  return span && isSpanContextValid(span) ? span.traceId : undefined;
}

export type RequestLogLevel = 'trace' | 'debug' | 'info' | 'warn';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's own metrics registry and HTTP histogram. */
    metrics: Metrics;
    /** Readiness checks behind GET /readyz. */
    health: HealthRegistry;
    /**
     * The start of a graceful stop, before close(): from now on GET /readyz
     * answers 503 (a load balancer that probes it takes this replica out),
     * and every response carries `Connection: close`, so a proxy's keep-alive
     * connections end with their next answer rather than sticking to a
     * replica that is going away. Everything else is served as before.
     * runService calls it on SIGTERM, then waits shutdownDelayMs.
     */
    startDraining(): void;
    /** True once startDraining() was called. */
    readonly draining: boolean;
  }
  interface FastifyContextConfig {
    /** Level of this route's per-request log line (default info); probes and scrapes use debug. */
    requestLogLevel?: RequestLogLevel;
  }
}

/** The Fastify instance every service builds on: TypeBox-typed routes. */
export type KitInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export type ServerConfig = Pick<
  BaseConfig,
  | 'LOG_LEVEL'
  | 'BODY_LIMIT'
  | 'REQUEST_TIMEOUT_MS'
  | 'KEEP_ALIVE_TIMEOUT_MS'
  | 'HEALTH_CHECK_TIMEOUT_MS'
  | 'TRUST_PROXY'
>;

export interface CreateServerOptions {
  serviceName: string;
  config: ServerConfig;
  /** Defaults to an ECS logger on stdout at config.LOG_LEVEL. */
  logger?: Logger;
  /** Defaults to a fresh registry for this instance. */
  metrics?: Metrics;
  /** Escape hatch for options the kit does not set (https, http2 …). */
  fastifyOptions?: Partial<FastifyServerOptions>;
}

/**
 * A Fastify instance with the house wiring: ECS request logs, request ids,
 * strict validation, the error and 404 handlers, metrics, /healthz, /readyz
 * and /metrics. Services register their plugins and routes on it.
 */
export function createServer(options: CreateServerOptions): KitInstance {
  const { config, serviceName } = options;
  const logger =
    options.logger ??
    createLogger({ service: serviceName, level: config.LOG_LEVEL });
  const metrics = options.metrics ?? createMetrics({ service: serviceName });

  const app = Fastify({
    loggerInstance: createFastifyLogger(logger),
    // One line per request is written by the onResponse hook below, with the route template.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'reqId',
    }),
    requestIdHeader: false,
    genReqId,
    bodyLimit: config.BODY_LIMIT,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    trustProxy: parseTrustProxy(config.TRUST_PROXY),
    // During shutdown new requests get 503 while in-flight ones finish.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    schemaController: { compilersFactory: { buildValidator } },
    ...options.fastifyOptions,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const health = createHealthRegistry(config.HEALTH_CHECK_TIMEOUT_MS);
  app.decorate('metrics', metrics);
  app.decorate('health', health);
  metrics.trackReadiness(async () => {
    const { checks } = await health.run();
    return Object.fromEntries(
      Object.entries(checks).map(([name, result]) => [name, result === 'ok']),
    );
  });

  // The kit's hooks are callback-style, not async: an async hook costs a promise
  // and a microtask hop per request for work that never waits (issue #16 profile).
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });

  // Once draining (or close()) has begun, a keep-alive client would hold its
  // socket (and the shutdown) open after its in-flight request; tell it to go
  // (RFC 9112 §9.6: the connection closes after this response).
  let draining = false;
  app.decorate('startDraining', () => {
    draining = true;
  });
  app.decorate('draining', {
    getter: () => draining,
  });
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    // routeOptions is a getter that builds a fresh object on every read.
    const routeOptions = request.routeOptions;
    const route = request.is404 ? undefined : routeOptions.url;
    const durationMs = reply.elapsedTime;
    metrics.observeHttpRequest({
      route,
      method: request.method,
      statusCode: reply.statusCode,
      durationSeconds: durationMs / 1000,
      // The exemplar links the bucket to the trace (Grafana → Jaeger): the
      // request's span when tracing continues one, else the request id.
      traceId: activeTraceId() ?? request.id,
    });
    const level = routeOptions.config?.requestLogLevel ?? 'info';
    request.log[level](
      {
        'http.request.method': request.method,
        'url.path': request.url.split('?', 1)[0],
        'http.route': route ?? null,
        'http.response.status_code': reply.statusCode,
        'event.duration': Math.round(durationMs * 1e6),
        'client.ip': request.ip,
        'user_agent.original': request.headers['user-agent'],
      },
      'request completed',
    );
    done();
  });

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  const quiet = { requestLogLevel: 'debug' as const };

  app.get(
    '/healthz',
    { config: quiet, schema: { response: { 200: healthzResponseSchema } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: quiet,
      schema: {
        response: { 200: readyzResponseSchema, 503: readyzResponseSchema },
      },
    },
    async (request, reply) => {
      // Not ready any more, whatever the checks say: the replica is stopping.
      if (draining) {
        return reply
          .code(503)
          .send({ status: 'unavailable', checks: { shutdown: 'draining' } });
      }
      const result = await health.run();
      if (!result.ok) {
        request.log.warn({ checks: result.checks }, 'readiness check failed');
        return reply
          .code(503)
          .send({ status: 'unavailable', checks: result.checks });
      }
      return { status: 'ok' as const, checks: result.checks };
    },
  );

  app.get('/metrics', { config: quiet }, async (request, reply) => {
    const { contentType, body } = await metrics.scrape(request.headers.accept);
    reply.header('vary', 'accept').type(contentType);
    return body;
  });

  return app;
}
