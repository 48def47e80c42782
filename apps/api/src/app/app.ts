import type { Logger } from '@flotilla/logging';
import type { Metrics } from '@flotilla/metrics';
import { createServer, dbPlugin, type KitInstance } from '@flotilla/service-kit';
import { randomBytes } from 'node:crypto';
import { apiConfigProblems, type ApiConfig } from '../config';
import type { AccessTokenVerifier, AsymmetricAlgorithm } from '@flotilla/auth-verify';
import { registerLedger } from './ledger-app';

declare module 'fastify' {
  interface FastifyInstance {
    config: ApiConfig;
  }
}

export interface BuildAppOverrides {
  logger?: Logger;
  metrics?: Metrics;
  /** Replaces the JWKS-backed access-token verifier (tests sign tokens with a local key). */
  accessTokenVerifier?: AccessTokenVerifier;
  /** Registered last, after the production routes: lets a test add a probe route to the real wiring. */
  testRoutes?: (app: KitInstance) => void;
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * The whole ledger API, used by main.ts and by the tests alike. Loading order:
 * external resources → app plugins → routes and consumers (each encapsulated).
 * Resolves once every plugin has loaded.
 */
export async function buildApp(
  config: ApiConfig,
  overrides: BuildAppOverrides = {},
): Promise<KitInstance> {
  const problems = apiConfigProblems(config);
  if (problems.length > 0) throw new Error(`invalid configuration: ${problems.join('; ')}`);
  const authInternalUrl = (config.AUTH_INTERNAL_URL ?? config.AUTH_ISSUER).replace(/\/$/, '');

  const app = createServer({
    serviceName: 'api',
    config,
    logger: overrides.logger,
    metrics: overrides.metrics,
  });
  app.decorate('config', config);

  await app.register(dbPlugin, {
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    applicationName: 'flotilla-api',
  });

  await registerLedger(app, {
    amqpUrl: config.AMQP_URL,
    outboxRelay: config.OUTBOX_RELAY_ENABLED === 'true',
    consumers: config.CONSUMERS_ENABLED === 'true',
    accessToken: {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      jwksUri: config.AUTH_JWKS_URI ?? `${authInternalUrl}/jwks`,
      algorithms: config.AUTH_ALGORITHMS.split(',') as AsymmetricAlgorithm[],
    },
    ...(overrides.accessTokenVerifier ? { accessTokenVerifier: overrides.accessTokenVerifier } : {}),
    moneyRateLimitPerMinute: config.MONEY_RATE_LIMIT_PER_MINUTE,
    sseHeartbeatMs: config.SSE_HEARTBEAT_MS,
    sseMaxStreamsPerUser: config.SSE_MAX_STREAMS_PER_USER,
    sseReplayLimit: config.SSE_REPLAY_LIMIT,
    idempotencyPurgeIntervalMs: config.IDEMPOTENCY_PURGE_INTERVAL_MS,
    fundingAccountShards: config.FUNDING_ACCOUNT_SHARDS,
    outboxRetentionMs: config.OUTBOX_RETENTION_HOURS * HOUR_MS,
    inbox: {
      retentionMs: config.INBOX_RETENTION_HOURS * HOUR_MS,
      outboxRetentionMs: config.OUTBOX_RETENTION_HOURS * HOUR_MS,
      purgeIntervalMs: config.INBOX_PURGE_INTERVAL_MS,
    },
    ...(config.BFF_ENABLED === 'true' && config.OAUTH_CLIENT_SECRET
      ? {
          bff: {
            internalBaseUrl: authInternalUrl,
            clientId: config.OAUTH_CLIENT_ID,
            clientSecret: config.OAUTH_CLIENT_SECRET,
            scopes: config.OAUTH_SCOPES.split(' ').filter(Boolean),
            publicBaseUrl: config.PUBLIC_BASE_URL,
            postLogoutRedirectUri: config.OAUTH_POST_LOGOUT_REDIRECT_URI ?? `${config.PUBLIC_BASE_URL.replace(/\/$/, '')}/`,
            cookieSecure: config.COOKIE_SECURE === 'true',
            sessionTtlMs: config.SESSION_TTL_HOURS * 3_600_000,
            sessionIdleTimeoutMs: config.SESSION_IDLE_TIMEOUT_SECONDS * 1000,
            // Development and test may run without a key: sessions then last as long as the process.
            encryptionKey: config.SESSION_ENCRYPTION_KEY ? Buffer.from(config.SESSION_ENCRYPTION_KEY, 'base64url') : randomBytes(32),
          },
        }
      : {}),
  });

  overrides.testRoutes?.(app);
  await app.ready();
  return app;
}
