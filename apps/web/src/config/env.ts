import { WEB_ENV_DEFAULTS } from './env-defaults';

// Values were validated when the bundle was built (vite.config.mts), so reading
// them here needs no second check.
export const env = {
  apiBaseUrl: import.meta.env['VITE_API_BASE_URL'] ?? WEB_ENV_DEFAULTS.VITE_API_BASE_URL,
  appName: import.meta.env['VITE_APP_NAME'] ?? WEB_ENV_DEFAULTS.VITE_APP_NAME,
} as const;
