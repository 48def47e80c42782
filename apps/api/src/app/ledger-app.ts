import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { createAccessTokenVerifier, type AccessTokenVerifier, type AsymmetricAlgorithm } from '@flotilla/auth-verify';
import { IDEMPOTENCY_KEY_TTL_HOURS } from '@flotilla/contracts';
import type { KitInstance } from '@flotilla/service-kit';
import liveUpdatesConsumer from './consumers/live-updates';
import userEventsConsumer from './consumers/user-events';
import authentication from './plugins/app/authentication';
import ledger from './plugins/app/ledger';
import liveUpdates from './plugins/app/live-updates';
import { strictQueryNumbers } from './plugins/app/strict-query-numbers';
import messaging from './plugins/external/messaging';
import activityStreamRoute from './routes/activity-stream';
import ledgerRoutes from './routes/ledger-routes';

export interface LedgerAppOptions {
  readonly amqpUrl: string;
  readonly outboxRelay: boolean;
  readonly consumers: boolean;
  readonly accessToken: {
    readonly issuer: string;
    readonly audience: string;
    readonly jwksUri: string;
    readonly algorithms: readonly AsymmetricAlgorithm[];
  };
  /** Replaces the JWKS-backed verifier (tests sign with a local key). */
  readonly accessTokenVerifier?: AccessTokenVerifier;
  readonly moneyRateLimitPerMinute: number;
  readonly sseHeartbeatMs: number;
  readonly idempotencyPurgeIntervalMs: number;
  /** Extra plugins registered under /api after authentication (the BFF). */
  readonly beforeRoutes?: (api: KitInstance) => Promise<void>;
}

/**
 * Everything the ledger adds to the kit's server. Order: external resources
 * (broker, cookies, security headers, rate limiter, OpenAPI) → app plugins
 * (use cases, authentication, live updates) → consumers → routes under /api.
 */
export async function registerLedger(app: KitInstance, options: LedgerAppOptions): Promise<void> {
  await app.register(messaging, { url: options.amqpUrl, relay: options.outboxRelay });
  await app.register(cookie);
  await app.register(helmet, { global: true });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Flotilla ledger API',
        version: '1.0.0',
        description:
          'Payments ledger: balances, transfers, deposits, history and live activity. Amounts are integer minor units. ' +
          `Money-moving POSTs take an Idempotency-Key, remembered for ${IDEMPOTENCY_KEY_TTL_HOURS} h. ` +
          'Every error uses the ErrorResponse shape.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (RFC 9068), scopes ledger:read / ledger:write' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'flotilla_session', description: 'BFF session; unsafe methods also need the x-csrf-token header' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  await app.register(ledger, { idempotencyPurgeIntervalMs: options.idempotencyPurgeIntervalMs });
  await app.register(liveUpdates);
  await app.register(authentication, {
    verifier:
      options.accessTokenVerifier ??
      createAccessTokenVerifier({
        issuer: options.accessToken.issuer,
        audience: options.accessToken.audience,
        jwksUri: options.accessToken.jwksUri,
        algorithms: options.accessToken.algorithms,
      }),
  });
  if (options.consumers) {
    await app.register(userEventsConsumer);
    await app.register(liveUpdatesConsumer);
  }

  await app.register(
    async (api) => {
      // Only JSON bodies: a text/plain body would otherwise reach validation as a string.
      api.removeContentTypeParser('text/plain');
      api.addHook('preValidation', strictQueryNumbers);
      await options.beforeRoutes?.(api as KitInstance);
      await api.register(ledgerRoutes, { moneyRateLimitPerMinute: options.moneyRateLimitPerMinute });
      await api.register(activityStreamRoute, { heartbeatMs: options.sseHeartbeatMs, replayLimit: 1000 });
    },
    { prefix: '/api' },
  );
}
