import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { createRemoteJWKSet } from 'jose';
import { createAccessTokenVerifier, type AccessTokenVerifier, type AsymmetricAlgorithm } from '@flotilla/auth-verify';
import { IDEMPOTENCY_KEY_TTL_HOURS } from '@flotilla/contracts';
import type { KitInstance } from '@flotilla/service-kit';
import type { InboxRetention } from '@flotilla/messaging';
import bffRoutes, { bffCookies } from './bff/bff-routes';
import { createTokenCipher } from './bff/token-cipher';
import liveUpdatesConsumer from './consumers/live-updates';
import userEventsConsumer from './consumers/user-events';
import authentication from './plugins/app/authentication';
import ledger from './plugins/app/ledger';
import liveUpdates from './plugins/app/live-updates';
import messaging from './plugins/external/messaging';
import securityHeaders from './plugins/external/security-headers';
import activityStreamRoute from './routes/activity-stream';
import ledgerRoutes from './routes/ledger-routes';
import meRoute from './routes/me';
import { createSessionRepository } from './repositories/session-repository';

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
  readonly sseMaxStreamsPerUser: number;
  readonly sseReplayLimit: number;
  readonly idempotencyPurgeIntervalMs: number;
  /** How many external-funding accounts deposits are spread over (FUNDING_ACCOUNT_SHARDS). */
  readonly fundingAccountShards?: number;
  /** Sent outbox rows are kept this long (the relay purges older ones). */
  readonly outboxRetentionMs: number;
  /** processed_message retention, checked against the producers' outbox retention plus the retry delays. */
  readonly inbox: InboxRetention;
  /** Browser login (BFF); absent when the API serves Bearer clients only. */
  readonly bff?: {
    readonly internalBaseUrl: string;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly scopes: readonly string[];
    readonly publicBaseUrl: string;
    readonly postLogoutRedirectUri: string;
    readonly cookieSecure: boolean;
    readonly sessionTtlMs: number;
    /** A session unused this long is refused (and purged), whatever its lifetime. */
    readonly sessionIdleTimeoutMs: number;
    /** 32 bytes: seals tokens at rest and keys the CSRF HMAC. */
    readonly encryptionKey: Buffer;
  };
}

/**
 * Everything the ledger adds to the kit's server. Order: external resources
 * (broker, cookies, security headers, rate limiter, OpenAPI) → app plugins
 * (use cases, authentication, live updates) → consumers → routes under /api.
 */
export async function registerLedger(app: KitInstance, options: LedgerAppOptions): Promise<void> {
  await app.register(messaging, { url: options.amqpUrl, relay: options.outboxRelay, outboxRetentionMs: options.outboxRetentionMs });
  await app.register(cookie);
  await app.register(securityHeaders);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    // Components keep the contracts' $id names (UserSummary, ErrorResponse…) instead of def-N.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
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

  await app.register(ledger, {
    idempotencyPurgeIntervalMs: options.idempotencyPurgeIntervalMs,
    fundingAccountShards: options.fundingAccountShards,
  });
  await app.register(liveUpdates, { maxStreamsPerUser: options.sseMaxStreamsPerUser });
  const verifier =
    options.accessTokenVerifier ??
    createAccessTokenVerifier({
      issuer: options.accessToken.issuer,
      audience: options.accessToken.audience,
      jwksUri: options.accessToken.jwksUri,
      algorithms: options.accessToken.algorithms,
    });
  await app.register(authentication, { verifier });
  if (options.consumers) {
    await app.register(userEventsConsumer, { inbox: options.inbox });
    await app.register(liveUpdatesConsumer);
  }

  const bff = options.bff;
  const cipher = bff ? createTokenCipher(bff.encryptionKey) : undefined;
  const sessions = bff ? createSessionRepository(app.db, { idleTimeoutMs: bff.sessionIdleTimeoutMs }) : undefined;
  if (sessions && options.idempotencyPurgeIntervalMs > 0) {
    const timer = setInterval(() => {
      sessions.purgeExpired().catch((error: unknown) => app.log.warn({ err: error }, 'session purge failed'));
    }, options.idempotencyPurgeIntervalMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }

  await app.register(
    async (api) => {
      // Only JSON bodies: a text/plain body would otherwise reach validation as a string.
      api.removeContentTypeParser('text/plain');
      if (bff && cipher && sessions) {
        await api.register(bffRoutes, {
          issuer: options.accessToken.issuer,
          internalBaseUrl: bff.internalBaseUrl,
          clientId: bff.clientId,
          clientSecret: bff.clientSecret,
          scopes: bff.scopes,
          publicBaseUrl: bff.publicBaseUrl,
          postLogoutRedirectUri: bff.postLogoutRedirectUri,
          cookieSecure: bff.cookieSecure,
          sessionTtlMs: bff.sessionTtlMs,
          sessions,
          cipher,
          accessTokenVerifier: verifier,
          idTokenKeys: createRemoteJWKSet(new URL(options.accessToken.jwksUri)),
          idTokenAlgorithms: options.accessToken.algorithms,
        });
      }
      await api.register(meRoute, {
        ...(bff && cipher
          ? {
              csrfCookieFor: (sessionIdHash: string) => {
                const { name, options: cookieOptions } = bffCookies(bff.cookieSecure, bff.sessionTtlMs).csrf;
                return { name, value: cipher.csrfTokenFor(sessionIdHash), options: cookieOptions };
              },
            }
          : {}),
      });
      await api.register(ledgerRoutes, { moneyRateLimitPerMinute: options.moneyRateLimitPerMinute });
      await api.register(activityStreamRoute, { heartbeatMs: options.sseHeartbeatMs, replayLimit: options.sseReplayLimit, recentRows: 10 });
    },
    { prefix: '/api' },
  );
}
