import { Type, type Static } from 'typebox';
import { baseConfigSchema, secretString, sensitiveString } from '@flotilla/service-kit';

const seconds = (options: { default: number; minimum: number; maximum: number; description: string }) =>
  Type.Integer(options);

/** Everything the auth service reads from its environment; nothing else reads process.env. */
export const authConfigSchema = Type.Object({
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  DATABASE_URL: sensitiveString({
    pattern: '^postgres(ql)?://',
    description: 'PostgreSQL URL of the auth database',
  }),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  AMQP_URL: sensitiveString({ pattern: '^amqps?://', description: 'RabbitMQ URL; the outbox relay publishes user events there' }),

  ISSUER: Type.String({
    pattern: '^https?://[^/?#\\s]+(/[A-Za-z0-9._~-]+)*$',
    default: 'http://localhost:3001',
    description: 'Public base URL and OIDC issuer, no trailing slash (e.g. http://localhost:8080/auth)',
  }),
  ROUTE_PREFIX: Type.String({
    pattern: '^(/[A-Za-z0-9._~-]+)*$',
    default: '',
    description: "Path the routes are served under: '' locally, '/auth' behind the gateway (which does not strip it)",
  }),
  ACCESS_TOKEN_AUDIENCE: Type.String({ minLength: 1, maxLength: 200, default: 'flotilla-api' }),
  INTROSPECTION_CLIENT_IDS: Type.String({
    pattern: '^([A-Za-z0-9._-]{1,100}(,[A-Za-z0-9._-]{1,100})*)?$',
    default: '',
    description: 'Comma-separated resource-server clients allowed to call /introspect (RFC 7662 §4); empty: none',
  }),

  SIGNING_KEYS: Type.Optional(
    sensitiveString({ description: 'JWKS JSON of EC P-256 private keys (use SIGNING_KEYS_FILE); required outside development/test' }),
  ),
  SIGNING_ACTIVE_KID: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  SIGNING_KEYS_DEV_PATH: Type.String({
    minLength: 1,
    default: 'tmp/auth/dev-signing-keys.json',
    description: 'Development/test only: where a generated key is kept between restarts',
  }),

  COOKIE_SECRET: secretString({ description: 'Signs the CSRF cookie' }),
  COOKIE_SECURE: Type.Boolean({ default: true }),

  PASSWORD_MIN_LENGTH: Type.Integer({ minimum: 8, maximum: 64, default: 15 }),
  PASSWORD_MAX_LENGTH: Type.Integer({ minimum: 64, maximum: 1024, default: 128 }),
  ARGON2_MEMORY_KIB: Type.Integer({ minimum: 19_456, maximum: 4_194_304, default: 19_456 }),
  ARGON2_TIME_COST: Type.Integer({ minimum: 2, maximum: 20, default: 2 }),
  ARGON2_PARALLELISM: Type.Integer({ minimum: 1, maximum: 16, default: 1 }),

  REGISTER_MAX_PER_IP_PER_HOUR: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 20 }),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  LOGIN_MAX_FAILURES_PER_IP: Type.Integer({ minimum: 1, maximum: 100_000, default: 100 }),
  LOGIN_THROTTLE_WINDOW_SECONDS: seconds({ default: 900, minimum: 60, maximum: 86_400, description: 'Sliding window of the login limits' }),

  SMTP_HOST: Type.Optional(
    Type.String({ minLength: 1, maxLength: 253, description: 'SMTP relay for reset mail; required outside development/test (mailcatcher in the dev stack)' }),
  ),
  SMTP_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'SMTP port; required outside development/test (1025 in development)' })),
  SMTP_SECURE: Type.Boolean({ default: false, description: 'Implicit TLS (port 465); otherwise STARTTLS when the server offers it' }),
  SMTP_REQUIRE_TLS: Type.Boolean({ default: false, description: 'Refuse to send unless STARTTLS succeeds' }),
  SMTP_USER: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
  SMTP_PASSWORD: Type.Optional(sensitiveString({ description: 'SMTP password (use SMTP_PASSWORD_FILE)' })),
  SMTP_FROM: Type.Optional(
    Type.String({ minLength: 3, maxLength: 320, description: 'From header of reset mail, e.g. "Flotilla <no-reply@example.com>"; required outside development/test' }),
  ),
  PASSWORD_RESET_TTL_SECONDS: seconds({ default: 1800, minimum: 60, maximum: 1800, description: 'Reset link lifetime (≤ 30 min)' }),
  PASSWORD_RESET_MAX_PER_ACCOUNT: Type.Integer({ minimum: 1, maximum: 100, default: 3, description: 'Reset requests per address per window' }),
  PASSWORD_RESET_MAX_PER_IP: Type.Integer({ minimum: 1, maximum: 100_000, default: 20, description: 'Reset requests per client IP per window' }),
  PASSWORD_RESET_WINDOW_SECONDS: seconds({ default: 3600, minimum: 60, maximum: 86_400, description: 'Sliding window of the reset limits' }),

  WEBAUTHN_ORIGIN: Type.Optional(
    Type.String({
      pattern: '^https?://[^/?#\\s]+$',
      description: 'The one origin passkey ceremonies may come from (scheme://host[:port]); default: the origin of ISSUER',
    }),
  ),
  WEBAUTHN_RP_ID: Type.Optional(
    Type.String({
      pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$',
      maxLength: 253,
      description: 'WebAuthn RP ID: the origin host or a registrable suffix of it; default: the origin host. Passkeys are bound to it: changing it orphans them',
    }),
  ),
  WEBAUTHN_RP_NAME: Type.String({ minLength: 1, maxLength: 64, default: 'Flotilla', description: 'Name shown by the authenticator' }),
  WEBAUTHN_CEREMONY_SECONDS: seconds({ default: 120, minimum: 30, maximum: 600, description: 'How long a passkey challenge lives' }),

  MFA_MAX_FAILURES_PER_ACCOUNT: Type.Integer({ minimum: 1, maximum: 100, default: 5, description: 'Wrong second-factor codes per account per login window' }),

  HOUSEKEEPING_INTERVAL_SECONDS: seconds({ default: 600, minimum: 10, maximum: 86_400, description: 'How often expired rows are deleted' }),
  HOUSEKEEPING_RETENTION_SECONDS: seconds({
    default: 86_400,
    minimum: 900,
    maximum: 7_776_000,
    description: 'How long expired rows are kept (must cover the login throttle window)',
  }),

  SESSION_IDLE_TTL_SECONDS: seconds({ default: 1800, minimum: 60, maximum: 86_400, description: 'Provider session inactivity timeout' }),
  SESSION_ABSOLUTE_TTL_SECONDS: seconds({ default: 43_200, minimum: 300, maximum: 2_592_000, description: 'Provider session lifetime' }),

  ACCESS_TOKEN_TTL_SECONDS: seconds({ default: 600, minimum: 30, maximum: 900, description: 'RFC 9068 access token lifetime (≤ 15 min)' }),
  ID_TOKEN_TTL_SECONDS: seconds({ default: 600, minimum: 30, maximum: 3600, description: 'ID token lifetime' }),
  AUTHORIZATION_CODE_TTL_SECONDS: seconds({ default: 60, minimum: 5, maximum: 60, description: 'Authorization code lifetime (≤ 60 s)' }),
  REFRESH_TOKEN_IDLE_TTL_SECONDS: seconds({ default: 28_800, minimum: 60, maximum: 2_592_000, description: 'Refresh token unused for this long dies' }),
  REFRESH_TOKEN_ABSOLUTE_TTL_SECONDS: seconds({
    default: 604_800,
    minimum: 300,
    maximum: 7_776_000,
    description: 'No refresh family outlives this',
  }),
});

export type AuthConfig = Static<typeof authConfigSchema>;

/** Cross-key rules the schema cannot express; empty when the config is coherent. */
export function configProblems(config: AuthConfig): { key: string; problem: string }[] {
  const problems: { key: string; problem: string }[] = [];
  const relaxed = config.APP_ENV === 'development' || config.APP_ENV === 'test';
  const issuerPath = new URL(config.ISSUER).pathname.replace(/\/$/, '');
  if (!issuerPath.endsWith(config.ROUTE_PREFIX)) {
    problems.push({ key: 'ROUTE_PREFIX', problem: `must be the end of the ISSUER path (${issuerPath || '/'})` });
  }
  if (config.PASSWORD_MAX_LENGTH < config.PASSWORD_MIN_LENGTH) {
    problems.push({ key: 'PASSWORD_MAX_LENGTH', problem: 'must not be below PASSWORD_MIN_LENGTH' });
  }
  if (config.REFRESH_TOKEN_IDLE_TTL_SECONDS > config.REFRESH_TOKEN_ABSOLUTE_TTL_SECONDS) {
    problems.push({ key: 'REFRESH_TOKEN_IDLE_TTL_SECONDS', problem: 'must not exceed REFRESH_TOKEN_ABSOLUTE_TTL_SECONDS' });
  }
  if (config.SESSION_IDLE_TTL_SECONDS > config.SESSION_ABSOLUTE_TTL_SECONDS) {
    problems.push({ key: 'SESSION_IDLE_TTL_SECONDS', problem: 'must not exceed SESSION_ABSOLUTE_TTL_SECONDS' });
  }
  if (config.HOUSEKEEPING_RETENTION_SECONDS < config.LOGIN_THROTTLE_WINDOW_SECONDS) {
    problems.push({ key: 'HOUSEKEEPING_RETENTION_SECONDS', problem: 'must cover LOGIN_THROTTLE_WINDOW_SECONDS' });
  }
  // Sign-out reaches an access token issued straight from a code (no refresh family)
  // only through that code's row, so the row must outlive every such token.
  if (config.HOUSEKEEPING_RETENTION_SECONDS < config.AUTHORIZATION_CODE_TTL_SECONDS + config.ACCESS_TOKEN_TTL_SECONDS) {
    problems.push({
      key: 'HOUSEKEEPING_RETENTION_SECONDS',
      problem: 'must cover AUTHORIZATION_CODE_TTL_SECONDS + ACCESS_TOKEN_TTL_SECONDS (sign-out revokes those tokens through their code)',
    });
  }
  if (!config.COOKIE_SECURE && !relaxed) {
    problems.push({ key: 'COOKIE_SECURE', problem: 'false is only allowed in development and test' });
  }
  if (!relaxed && !config.SIGNING_KEYS) {
    problems.push({ key: 'SIGNING_KEYS', problem: 'required outside development/test (set SIGNING_KEYS_FILE to the JWKS secret)' });
  }
  if (!relaxed) {
    // Reset mail must really leave in staging and production (ASVS 6.4.1 needs the out-of-band channel).
    for (const key of ['SMTP_HOST', 'SMTP_PORT', 'SMTP_FROM'] as const) {
      if (config[key] === undefined) problems.push({ key, problem: 'required outside development/test (the password reset mail needs it)' });
    }
  }
  const rp = webauthnRelyingParty(config);
  const originHost = new URL(rp.origin).hostname;
  // WebAuthn §5.1.4.1: the RP ID is the origin's effective domain or a registrable suffix of it.
  if (rp.id !== originHost && !originHost.endsWith(`.${rp.id}`)) {
    problems.push({ key: 'WEBAUTHN_RP_ID', problem: `must be ${originHost} or a parent domain of it` });
  } else if (rp.id !== originHost && !rp.id.includes('.')) {
    problems.push({ key: 'WEBAUTHN_RP_ID', problem: 'a top-level domain cannot be an RP ID' });
  }
  if (/^[0-9.]+$|^\[/.test(originHost)) {
    problems.push({ key: 'WEBAUTHN_ORIGIN', problem: 'passkeys need a domain name, not an IP address' });
  }
  // Browsers offer WebAuthn only in a secure context: https, or http on localhost.
  if (!rp.origin.startsWith('https://') && !(relaxed || originHost === 'localhost' || originHost.endsWith('.localhost'))) {
    problems.push({ key: 'WEBAUTHN_ORIGIN', problem: 'must be https (or http on localhost): browsers refuse WebAuthn elsewhere' });
  }
  if ((config.SMTP_USER === undefined) !== (config.SMTP_PASSWORD === undefined)) {
    problems.push({ key: 'SMTP_USER', problem: 'SMTP_USER and SMTP_PASSWORD go together' });
  }
  return problems;
}

/** SMTP settings with the development defaults (a local mail catcher on 1025) filled in. */
export function smtpSettings(config: AuthConfig) {
  return {
    host: config.SMTP_HOST ?? 'localhost',
    port: config.SMTP_PORT ?? 1025,
    secure: config.SMTP_SECURE,
    requireTLS: config.SMTP_REQUIRE_TLS,
    auth: config.SMTP_USER && config.SMTP_PASSWORD ? { user: config.SMTP_USER, pass: config.SMTP_PASSWORD } : undefined,
    from: config.SMTP_FROM ?? 'Flotilla <no-reply@flotilla.localhost>',
  };
}

/** The WebAuthn relying party: origin and RP ID default to the public ISSUER's. */
export function webauthnRelyingParty(config: AuthConfig) {
  const origin = config.WEBAUTHN_ORIGIN ?? new URL(config.ISSUER).origin;
  return { id: config.WEBAUTHN_RP_ID ?? new URL(origin).hostname, name: config.WEBAUTHN_RP_NAME, origin };
}
