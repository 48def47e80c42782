import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { WEB_ENV_DEFAULTS } from './env-defaults';

/**
 * Build-time configuration (Vite inlines `import.meta.env.VITE_*`). Validated by
 * vite.config.mts so a wrong value fails the build instead of shipping.
 */
export const WebEnvSchema = Type.Object({
  // '' means same origin (the gateway serves the SPA and /api together); otherwise an
  // absolute http(s) origin or a path prefix, without a trailing slash.
  VITE_API_BASE_URL: Type.String({ pattern: '^(|https?://[^\\s/]+(/[^\\s]*[^\\s/])?|/[^\\s]*[^\\s/])$', maxLength: 2048 }),
  VITE_APP_NAME: Type.String({ minLength: 1, maxLength: 40, pattern: '\\S' }),
});
export type WebEnv = Static<typeof WebEnvSchema>;


export type EnvCheck = { ok: true; env: WebEnv } | { ok: false; problems: string[] };

export function checkWebEnv(raw: Record<string, string | undefined>): EnvCheck {
  const env = {
    VITE_API_BASE_URL: raw['VITE_API_BASE_URL'] ?? WEB_ENV_DEFAULTS.VITE_API_BASE_URL,
    VITE_APP_NAME: raw['VITE_APP_NAME'] ?? WEB_ENV_DEFAULTS.VITE_APP_NAME,
  };
  const problems = [...Value.Errors(WebEnvSchema, env)].map(
    (error) => `${error.instancePath.slice(1) || '(root)'}: ${error.message} (got ${JSON.stringify(env[error.instancePath.slice(1) as keyof WebEnv])})`,
  );
  return problems.length === 0 ? { ok: true, env } : { ok: false, problems };
}
