/* The peer a user might pick instead: Express 5 doing the same work the usual
   Express way — helmet, pino-http (one JSON access-log line per request),
   a prom-client histogram by route/method/status, jose ES256 verification of
   the Bearer token against the same JWKS (iss, aud, typ at+jwt pinned), pg.
   TOKEN_CACHE=1 adds a verified-token cache like libs/auth-verify's (same size,
   same 60 s bound, exp checked on every hit), to compare like with like. */
import express from 'express';
import helmet from 'helmet';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import pg from 'pg';
import pino from 'pino';
import pinoHttp from 'pino-http';
import client from 'prom-client';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 10) });
const jwks = createRemoteJWKSet(new URL(process.env.AUTH_JWKS_URI));
const CACHE = process.env.TOKEN_CACHE === '1';
const cache = new Map();

const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });
const duration = new client.Histogram({
  name: 'http_server_request_duration_seconds',
  help: 'Duration of HTTP server requests',
  labelNames: ['route', 'method', 'status_code'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

async function verify(token) {
  const now = Date.now();
  if (CACHE) {
    const hit = cache.get(token);
    if (hit && hit.until > now && hit.claims.exp > now / 1000) return hit.claims;
  }
  const { payload } = await jwtVerify(token, jwks, {
    issuer: process.env.AUTH_ISSUER,
    audience: process.env.AUTH_AUDIENCE ?? 'flotilla-api',
    algorithms: ['ES256'],
    typ: 'at+jwt',
    requiredClaims: ['exp', 'iat', 'sub', 'jti', 'client_id'],
  });
  if (CACHE) {
    if (cache.size >= 1000) cache.delete(cache.keys().next().value);
    cache.set(token, { claims: payload, until: Math.min(now + 60_000, payload.exp * 1000) });
  }
  return payload;
}

const app = express();
app.disable('x-powered-by');
app.use(helmet());
app.use(pinoHttp({ logger: pino() }));
app.use((req, res, next) => {
  const end = duration.startTimer();
  res.on('finish', () => end({ route: req.route?.path ?? '__unmatched__', method: req.method, status_code: String(res.statusCode) }));
  next();
});

async function authenticate(req, res, next) {
  const [scheme, token] = (req.headers.authorization ?? '').split(' ');
  if (scheme !== 'Bearer' || !token) return res.status(401).json({ error: 'UNAUTHORIZED' });
  try {
    const claims = await verify(token);
    if (!String(claims.scope ?? '').split(' ').includes('ledger:read')) return res.status(403).json({ error: 'INSUFFICIENT_SCOPE' });
    req.userId = claims.sub;
    next();
  } catch {
    res.status(401).json({ error: 'UNAUTHORIZED' });
  }
}

app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
app.get('/metrics', async (_req, res) => res.type(registry.contentType).send(await registry.metrics()));
app.get('/api/account', authenticate, async (req, res, next) => {
  try {
    const { rows } = await pool.query('SELECT id, user_id, email, display_name, currency, balance, status, updated_at FROM accounts WHERE user_id = $1', [req.userId]);
    const row = rows[0];
    if (!row) return res.status(409).json({ error: 'ACCOUNT_NOT_READY' });
    res.json({ accountId: row.id, userId: row.user_id, currency: row.currency, balance: Number(row.balance), updatedAt: row.updated_at.toISOString() });
  } catch (error) {
    next(error);
  }
});

const server = app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
server.keepAliveTimeout = 72_000;
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
