export {
  APP_ENVS,
  baseConfigSchema,
  ConfigError,
  loadConfig,
  parseTrustProxy,
  placeholderReason,
  readSecretFile,
  SECRET,
  secretString,
  SENSITIVE,
  sensitiveString,
  type AppEnv,
  type BaseConfig,
  type LoadConfigOptions,
  type TrustProxy,
} from './lib/config';
export { HOST_PREFIX, hostCookie, type HostCookie } from './lib/cookies';
export {
  createServer,
  type CreateServerOptions,
  type KitInstance,
  type RequestLogLevel,
  type ServerConfig,
} from './lib/create-server';
export {
  AppError,
  errorHandler,
  errorResponseSchema,
  isDatabaseUnavailable,
  notFoundHandler,
  RETRY_AFTER_SECONDS,
  toErrorResponse,
  type ErrorDetail,
  type ErrorResponse,
} from './lib/errors';
export {
  createHealthRegistry,
  healthzResponseSchema,
  readyzResponseSchema,
  type CheckResult,
  type HealthCheck,
  type HealthRegistry,
} from './lib/health';
export { genReqId, REQUEST_ID_HEADER } from './lib/request-id';
export {
  runService,
  type Listenable,
  type RunServiceOptions,
  type ServiceProcess,
} from './lib/run-service';
export {
  bodyAjvOptions,
  buildValidator,
  urlAjvOptions,
} from './lib/validation';
export { dbPlugin, type DbPluginOptions } from './lib/db';
