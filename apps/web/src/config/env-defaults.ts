/** Kept apart from the schema so the runtime bundle does not carry the validator. */
export const WEB_ENV_DEFAULTS = {
  VITE_API_BASE_URL: '',
  VITE_APP_NAME: 'Flotilla',
} as const;
