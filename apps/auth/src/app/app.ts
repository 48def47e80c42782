import { createLogger, type Logger } from '@flotilla/logging';
import type { Metrics } from '@flotilla/metrics';
import { ConfigError, createServer, dbPlugin, type KitInstance } from '@flotilla/service-kit';
import { configProblems, smtpSettings, webauthnRelyingParty, type AuthConfig } from '../config';
import { loadSigningKeys } from '../domain/keys/signing-keys';
import housekeeping from './plugins/app/housekeeping';
import services from './plugins/app/services';
import mailer from './plugins/external/mailer';
import messaging from './plugins/external/messaging';
import prisma from './plugins/external/prisma';
import security from './plugins/external/security';
import signing from './plugins/external/signing';
import accountRoutes from './routes/accounts';
import oauthRoutes from './routes/oauth';
import passwordRoutes from './routes/password';
import mfaRoutes from './routes/mfa';
import passkeyRoutes from './routes/passkeys';
import { authCookies, type RouteOptions } from './routes/route-options';
import { authErrorHandler } from './routes/unavailable';
import wellKnownRoutes from './routes/well-known';

declare module 'fastify' {
  interface FastifyInstance {
    config: AuthConfig;
  }
}

export interface BuildAppOverrides {
  logger?: Logger;
  metrics?: Metrics;
  /** Registered last, after the production routes: lets a test add a probe route to the real wiring. */
  testRoutes?: (app: KitInstance) => void;
}

/**
 * The whole auth service, used by main.ts and by the tests alike. Loading order:
 * external resources → app plugins → routes and consumers (each encapsulated).
 * Resolves once every plugin has loaded.
 */
export async function buildApp(config: AuthConfig, overrides: BuildAppOverrides = {}): Promise<KitInstance> {
  const problems = configProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  const relaxed = config.APP_ENV === 'development' || config.APP_ENV === 'test';
  const keys = await loadSigningKeys({
    jwksJson: config.SIGNING_KEYS,
    developmentKeyPath: relaxed ? config.SIGNING_KEYS_DEV_PATH : undefined,
    activeKid: config.SIGNING_ACTIVE_KID,
  });

  const logger = overrides.logger ?? createLogger({ service: 'auth', level: config.LOG_LEVEL });
  const app = createServer({
    serviceName: 'auth',
    config,
    logger,
    metrics: overrides.metrics,
  });
  app.decorate('config', config);

  await app.register(dbPlugin, {
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    applicationName: 'flotilla-auth',
  });
  await app.register(prisma);
  await app.register(messaging, { url: config.AMQP_URL, logger });
  await app.register(security, {
    cookieSecret: config.COOKIE_SECRET,
    csrfCookie: authCookies(config.COOKIE_SECURE).csrf,
    hsts: config.ISSUER.startsWith('https://'),
  });
  await app.register(mailer, smtpSettings(config));
  await app.register(signing, { keys, issuer: config.ISSUER, accessTokenAudience: config.ACCESS_TOKEN_AUDIENCE });

  await app.register(services, {
    passwordPolicy: { minLength: config.PASSWORD_MIN_LENGTH, maxLength: config.PASSWORD_MAX_LENGTH },
    argon2: { memoryCostKiB: config.ARGON2_MEMORY_KIB, timeCost: config.ARGON2_TIME_COST, parallelism: config.ARGON2_PARALLELISM },
    throttle: {
      accountMaxFailures: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      ipMaxFailures: config.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: config.LOGIN_THROTTLE_WINDOW_SECONDS,
    },
    sessions: { idleTtlSeconds: config.SESSION_IDLE_TTL_SECONDS, absoluteTtlSeconds: config.SESSION_ABSOLUTE_TTL_SECONDS },
    oauth: {
      issuer: config.ISSUER,
      accessTokenAudience: config.ACCESS_TOKEN_AUDIENCE,
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      idTokenTtlSeconds: config.ID_TOKEN_TTL_SECONDS,
      authorizationCodeTtlSeconds: config.AUTHORIZATION_CODE_TTL_SECONDS,
      refreshTokenIdleTtlSeconds: config.REFRESH_TOKEN_IDLE_TTL_SECONDS,
      refreshTokenAbsoluteTtlSeconds: config.REFRESH_TOKEN_ABSOLUTE_TTL_SECONDS,
    },
    passwordReset: {
      tokenTtlSeconds: config.PASSWORD_RESET_TTL_SECONDS,
      maxPerAccount: config.PASSWORD_RESET_MAX_PER_ACCOUNT,
      maxPerIp: config.PASSWORD_RESET_MAX_PER_IP,
      windowSeconds: config.PASSWORD_RESET_WINDOW_SECONDS,
      resetUrl: `${config.ISSUER}/password/reset`,
    },
    mfaThrottle: {
      accountMaxFailures: config.MFA_MAX_FAILURES_PER_ACCOUNT,
      ipMaxFailures: config.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: config.LOGIN_THROTTLE_WINDOW_SECONDS,
    },
    webauthn: { rp: webauthnRelyingParty(config), ceremonySeconds: config.WEBAUTHN_CEREMONY_SECONDS },
  });

  await app.register(housekeeping, {
    intervalMs: config.HOUSEKEEPING_INTERVAL_SECONDS * 1000,
    retentionSeconds: config.HOUSEKEEPING_RETENTION_SECONDS,
  });

  const routeOptions: RouteOptions = {
    issuer: config.ISSUER,
    routePrefix: config.ROUTE_PREFIX,
    cookieSecure: config.COOKIE_SECURE,
    registerMaxPerIpPerHour: config.REGISTER_MAX_PER_IP_PER_HOUR,
    introspectionClientIds: config.INTROSPECTION_CLIENT_IDS.split(',').filter(Boolean),
    webauthnCeremonySeconds: config.WEBAUTHN_CEREMONY_SECONDS,
  };
  await app.register(async (routes) => {
    routes.setErrorHandler(authErrorHandler);
    await routes.register(wellKnownRoutes, routeOptions);
    await routes.register(accountRoutes, routeOptions);
    await routes.register(passwordRoutes, routeOptions);
    await routes.register(mfaRoutes, routeOptions);
    await routes.register(passkeyRoutes, routeOptions);
    await routes.register(oauthRoutes, routeOptions);
  }, { prefix: config.ROUTE_PREFIX });

  overrides.testRoutes?.(app);
  await app.ready();
  return app;
}
