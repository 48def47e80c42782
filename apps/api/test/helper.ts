import { createLogger } from '@flotilla/logging';
import { loadConfig, type KitInstance } from '@flotilla/service-kit';
import { buildApp, type BuildAppOverrides } from '../src/app/app';
import { apiConfigSchema, type ApiConfig } from '../src/config';

/**
 * The test config, read through the production schema from the same variables
 * tools/test-env.sh exports (with its defaults). TEST_LOG_LEVEL=debug shows the logs.
 */
export function testConfig(
  env: Record<string, string | undefined> = {},
): ApiConfig {
  return loadConfig(apiConfigSchema, {
    APP_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    DATABASE_URL:
      process.env['LEDGER_DATABASE_URL'] ??
      'postgresql://ledger:ledger@127.0.0.1:5432/ledger',
    AMQP_URL: process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
    AUTH_ISSUER: 'http://auth.test/auth',
    AUTH_AUDIENCE: 'flotilla-api',
    OUTBOX_RELAY_ENABLED: 'false',
    CONSUMERS_ENABLED: 'false',
    BFF_ENABLED: 'false',
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
    logger: createLogger({ service: 'api', level: config.LOG_LEVEL }),
    ...overrides,
  });
}

/** Polls until `check` holds, for state reached asynchronously (broker connections, consumers, relays). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
