/* How each server under test is started: its own process, production settings. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { AMQP_URL, AUDIENCE, ISSUER, LEDGER_DATABASE_URL, ROOT, startServer } from './lib/common.mjs';

export const POOL_MAX = 10;

/** The API from its build, as the image runs it: production, info logs, BFF on. */
export function startApi(issuer, name = 'API (dist/main.js)', extraEnv = {}, nodeArgs = [], main = 'apps/api/dist/main.js') {
  return startServer(name, [...nodeArgs, main], {
    env: {
      // A build kept elsewhere (BENCH_API_COMPARE) still finds the workspace's packages.
      NODE_PATH: join(ROOT, 'node_modules'),
      APP_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: LEDGER_DATABASE_URL,
      DATABASE_POOL_MAX: String(POOL_MAX),
      AMQP_URL,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_JWKS_URI: issuer.jwksUri,
      BFF_ENABLED: 'true',
      OAUTH_CLIENT_SECRET: randomBytes(24).toString('base64url'),
      SESSION_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      MONEY_RATE_LIMIT_PER_MINUTE: '1000000',
      ...extraEnv,
    },
  });
}

export function startRaw(readerUserId, extraEnv = {}) {
  return startServer('raw node:http + pg', ['tools/bench/servers/raw.mjs'], {
    env: { DATABASE_URL: LEDGER_DATABASE_URL, DATABASE_POOL_MAX: String(POOL_MAX), BENCH_USER_ID: readerUserId ?? '', ...extraEnv },
  });
}

export function startExpress(issuer, tokenCache) {
  return startServer(tokenCache ? 'Express 5 peer + token cache' : 'Express 5 peer', ['tools/bench/servers/express-peer.mjs'], {
    env: {
      DATABASE_URL: LEDGER_DATABASE_URL,
      DATABASE_POOL_MAX: String(POOL_MAX),
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_JWKS_URI: issuer.jwksUri,
      TOKEN_CACHE: tokenCache ? '1' : '0',
      NODE_ENV: 'production',
    },
  });
}
