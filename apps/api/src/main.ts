import { tracing } from './instrument';
import { createLogger } from '@flotilla/logging';
import { ConfigError, loadConfig, runService } from '@flotilla/service-kit';
import { buildApp } from './app/app';
import { apiConfigSchema, type ApiConfig } from './config';

function readConfig(): ApiConfig {
  try {
    return loadConfig(apiConfigSchema);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`api: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
const logger = createLogger({ service: 'api', level: config.LOG_LEVEL });

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
