import { tracing } from './instrument';
import { createLogger } from '@flotilla/logging';
import { ConfigError, loadConfig, runService } from '@flotilla/service-kit';
import { buildApp } from './app/app';
import { authConfigSchema, configProblems, type AuthConfig } from './config';

function readConfig(): AuthConfig {
  try {
    const config = loadConfig(authConfigSchema);
    const problems = configProblems(config);
    if (problems.length > 0) throw new ConfigError(problems);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`auth: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
const logger = createLogger({ service: 'auth', level: config.LOG_LEVEL });

runService({
  build: () => buildApp(config, { logger }),
  // After the app closed: the spans of the shutdown itself are flushed too.
  afterClose: () => tracing.shutdown(),
  host: config.HOST,
  port: config.PORT,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  shutdownDelayMs: config.SHUTDOWN_DELAY_MS,
  logger,
}).catch(() => {
  // runService has logged the cause and is exiting with code 1.
});
