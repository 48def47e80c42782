import type { Logger } from '@flotilla/logging';
import type { Metrics } from '@flotilla/metrics';
import { createServer, type KitInstance } from '@flotilla/service-kit';
import type { AuthConfig } from '../config';
import db from './plugins/external/db';

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
export async function buildApp(
  config: AuthConfig,
  overrides: BuildAppOverrides = {},
): Promise<KitInstance> {
  const app = createServer({
    serviceName: 'auth',
    config,
    logger: overrides.logger,
    metrics: overrides.metrics,
  });
  app.decorate('config', config);

  await app.register(db, {
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    applicationName: 'flotilla-auth',
  });

  overrides.testRoutes?.(app);
  await app.ready();
  return app;
}
