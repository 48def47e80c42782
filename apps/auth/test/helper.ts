import { createLogger } from '@flotilla/logging';
import { loadConfig, type KitInstance } from '@flotilla/service-kit';
import { buildApp, type BuildAppOverrides } from '../src/app/app';
import { authConfigSchema, type AuthConfig } from '../src/config';

/**
 * The test config, read through the production schema from the same variables
 * tools/test-env.sh exports (with its defaults). TEST_LOG_LEVEL=debug shows the logs.
 */
export function testConfig(
  env: Record<string, string | undefined> = {},
): AuthConfig {
  return loadConfig(authConfigSchema, {
    APP_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    DATABASE_URL:
      process.env['AUTH_DATABASE_URL'] ??
      'postgresql://auth:auth@127.0.0.1:5432/auth',
    ...env,
  });
}

/** Builds the real app (production wiring) against the test services; close it in afterAll/afterEach. */
export async function buildTestApp(
  env: Record<string, string | undefined> = {},
  overrides: BuildAppOverrides = {},
): Promise<KitInstance> {
  const config = testConfig(env);
  return buildApp(config, {
    logger: createLogger({ service: 'auth', level: config.LOG_LEVEL }),
    ...overrides,
  });
}
