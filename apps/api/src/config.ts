import { Type, type Static } from 'typebox';
import { baseConfigSchema, secretString, sensitiveString } from '@flotilla/service-kit';
import { DEFAULT_RETRY_POLICY, inboxRetentionProblem } from '@flotilla/messaging';

const Flag = (fallback: 'true' | 'false', description: string) =>
  Type.Union([Type.Literal('true'), Type.Literal('false')], { default: fallback, description });

/** Everything the ledger API reads from its environment; nothing else reads process.env. */
export const apiConfigSchema = Type.Object({
  ...baseConfigSchema.properties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  DATABASE_URL: sensitiveString({
    pattern: '^postgres(ql)?://',
    description: 'PostgreSQL URL of the ledger database',
  }),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  AMQP_URL: sensitiveString({
    pattern: '^amqps?://',
    description: 'RabbitMQ URL',
  }),
  OUTBOX_RELAY_ENABLED: Flag('true', 'Publish committed outbox events from this process'),
  CONSUMERS_ENABLED: Flag('true', 'Consume user events and live-update broadcasts'),

  AUTH_ISSUER: Type.String({ pattern: '^https?://', description: 'Exact iss of access tokens; also the OIDC discovery base' }),
  AUTH_AUDIENCE: Type.String({ minLength: 1, default: 'flotilla-api', description: 'This API as a resource server (aud)' }),
  AUTH_INTERNAL_URL: Type.Optional(
    Type.String({ pattern: '^https?://', description: 'Base URL of the auth service from inside the network (token, revoke, JWKS). Default: AUTH_ISSUER' }),
  ),
  AUTH_JWKS_URI: Type.Optional(Type.String({ pattern: '^https?://', description: 'Default: <AUTH_INTERNAL_URL>/jwks' })),
  AUTH_ALGORITHMS: Type.String({ pattern: '^(ES256|ES384|ES512|EdDSA|PS256|RS256)(,(ES256|ES384|ES512|EdDSA|PS256|RS256))*$', default: 'ES256' }),

  FUNDING_ACCOUNT_SHARDS: Type.Integer({
    minimum: 1,
    maximum: 16,
    default: 16,
    description: 'External-funding accounts deposits are spread over (row locks); 1 puts every deposit on one row',
  }),
  MONEY_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 60, description: 'Transfers + deposits per user per minute, each' }),
  SSE_HEARTBEAT_MS: Type.Integer({ minimum: 1_000, maximum: 120_000, default: 15_000 }),
  SSE_MAX_STREAMS_PER_USER: Type.Integer({ minimum: 1, maximum: 100, default: 5, description: 'Open activity streams per user per replica; more get 429' }),
  SSE_REPLAY_LIMIT: Type.Integer({ minimum: 1, maximum: 100_000, default: 1_000, description: 'Rows one catch-up writes before the stream ends and the client resumes' }),
  IDEMPOTENCY_PURGE_INTERVAL_MS: Type.Integer({ minimum: 0, default: 600_000, description: '0 turns the purge job off' }),
  OUTBOX_RETENTION_HOURS: Type.Integer({
    minimum: 1,
    maximum: 8_760,
    default: 24,
    description: "How long sent outbox rows are kept: this API's relay, and the most any producer of its consumed events (auth) keeps",
  }),
  INBOX_RETENTION_HOURS: Type.Integer({
    minimum: 1,
    maximum: 8_760,
    default: 48,
    description: 'How long processed_message remembers applied message ids; must exceed OUTBOX_RETENTION_HOURS plus the longest retry delay',
  }),
  INBOX_PURGE_INTERVAL_MS: Type.Integer({ minimum: 0, default: 600_000, description: 'How often processed_message is purged; 0 turns it off' }),

  BFF_ENABLED: Flag('true', 'Serve /api/auth/* (browser login) and accept the session cookie'),
  PUBLIC_BASE_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:8080', description: 'Origin the browser uses; redirect_uri is <PUBLIC_BASE_URL>/api/auth/callback' }),
  OAUTH_POST_LOGOUT_REDIRECT_URI: Type.Optional(
    Type.String({ pattern: '^https?://', description: 'Where the auth service sends the browser after sign-out; registered for the client, exactly. Default: <PUBLIC_BASE_URL>/' }),
  ),
  OAUTH_CLIENT_ID: Type.String({ minLength: 1, default: 'flotilla-bff' }),
  OAUTH_CLIENT_SECRET: Type.Optional(secretString({ description: 'Confidential client secret at the auth service' })),
  OAUTH_SCOPES: Type.String({ default: 'openid email profile offline_access ledger:read ledger:write' }),
  SESSION_ENCRYPTION_KEY: Type.Optional(
    secretString({ minLength: 43, description: '32 random bytes, base64url: encrypts tokens at rest and keys the CSRF HMAC' }),
  ),
  SESSION_TTL_HOURS: Type.Integer({ minimum: 1, maximum: 720, default: 12 }),
  // ASVS 5.0 V7.3.1: a browser session unused this long ends, whatever its lifetime; checked on every use.
  SESSION_IDLE_TIMEOUT_SECONDS: Type.Integer({ minimum: 60, maximum: 86_400, default: 900, description: 'Inactivity timeout of a browser (BFF) session' }),
  COOKIE_SECURE: Flag('true', 'Secure flag on cookies; false only for plain-HTTP development'),
});

export type ApiConfig = Static<typeof apiConfigSchema>;

const HOUR_MS = 60 * 60 * 1000;

/** Cross-key rules the schema cannot state; each message names the key to fix. */
export function apiConfigProblems(config: ApiConfig): string[] {
  const problems: string[] = [];
  // The user-events consumer runs the default retry policy.
  const inboxProblem = inboxRetentionProblem(
    { retentionMs: config.INBOX_RETENTION_HOURS * HOUR_MS, outboxRetentionMs: config.OUTBOX_RETENTION_HOURS * HOUR_MS },
    DEFAULT_RETRY_POLICY,
  );
  if (inboxProblem) problems.push(`INBOX_RETENTION_HOURS: ${inboxProblem}`);
  if (config.BFF_ENABLED === 'true') {
    if (!config.OAUTH_CLIENT_SECRET) problems.push('OAUTH_CLIENT_SECRET is required when BFF_ENABLED=true');
    const relaxed = config.APP_ENV === 'development' || config.APP_ENV === 'test';
    if (!config.SESSION_ENCRYPTION_KEY && !relaxed) problems.push('SESSION_ENCRYPTION_KEY is required outside development and test');
    if (config.SESSION_ENCRYPTION_KEY && Buffer.from(config.SESSION_ENCRYPTION_KEY, 'base64url').length !== 32) {
      problems.push('SESSION_ENCRYPTION_KEY must be 32 bytes in base64url (43 characters)');
    }
    if (config.COOKIE_SECURE === 'false' && !relaxed) problems.push('COOKIE_SECURE=false is only allowed in development and test');
  }
  return problems;
}
