export {
  createLogger,
  isLevelEnabled,
  LOG_LEVELS,
  LOG_LEVEL_SETTINGS,
  type CreateLoggerOptions,
  type Logger,
  type LogLevel,
  type LogLevelSetting,
} from './lib/create-logger';
export { createFastifyLogger } from './lib/fastify-logger';
export { errorFields, safeStringify } from './lib/ecs-format';
export type { LogDestination } from './lib/safe-sink';
