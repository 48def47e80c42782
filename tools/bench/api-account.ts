/* GET /api/account with a Bearer token through the real API (kit, auth-verify,
   schemas, repositories) against a raw node:http + pg handler running the same
   query on the same database; then POST /api/transfers throughput.
   Run: node -r @swc-node/register tools/bench/api-account.ts
   Target (issue #5): API ≥ 0.6 × raw throughput; API p99 ≤ 20 ms at 70 % of its max rate. */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { createLogger } from '../../libs/logging/src';
import { loadConfig } from '../../libs/service-kit/src';
import { buildApp } from '../../apps/api/src/app/app';
import { apiConfigSchema } from '../../apps/api/src/config';
import { createTestTokenIssuer } from '../../apps/api/test/support/tokens';
import { createFundedUser } from '../../apps/api/test/support/ledger-fixtures';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const POOL_MAX = 10;
const DATABASE_URL = process.env.LEDGER_DATABASE_URL ?? 'postgresql://ledger:ledger@127.0.0.1:5432/ledger';
const SENDERS = 40;

type Result = autocannon.Result;

function run(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

function summary(label: string, r: Result): string {
  return `${label.padEnd(34)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   non-2xx ${r.non2xx}   errors ${r.errors}`;
}

async function main() {
  const tokens = await createTestTokenIssuer();
  const config = loadConfig(apiConfigSchema, {
    APP_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL,
    DATABASE_POOL_MAX: String(POOL_MAX),
    AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    AUTH_ISSUER: 'http://auth.test/auth',
    BFF_ENABLED: 'false',
    CONSUMERS_ENABLED: 'false',
    OUTBOX_RELAY_ENABLED: 'true',
    MONEY_RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const app = await buildApp(config, { logger: createLogger({ service: 'api', level: 'error' }), accessTokenVerifier: tokens.verifier });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const apiUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const setupPool = new Pool({ connectionString: DATABASE_URL, max: 4 });
  const reader = await createFundedUser(setupPool, 12_345, 'bench-reader');
  const readerToken = await tokens.sign({ sub: reader.userId, scope: 'ledger:read', expiresInSeconds: 3600 });

  // The raw baseline: the same SELECT and JSON shape, no auth, no schema, no framework.
  const rawPool = new Pool({ connectionString: DATABASE_URL, max: POOL_MAX });
  const raw = http.createServer((req, res) => {
    rawPool
      .query('SELECT id, user_id, email, display_name, currency, balance, status, updated_at FROM accounts WHERE user_id = $1', [reader.userId])
      .then(({ rows }) => {
        const row = rows[0];
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ accountId: row.id, userId: row.user_id, currency: row.currency, balance: Number(row.balance), updatedAt: row.updated_at.toISOString() }),
        );
      })
      .catch(() => {
        res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  const rawUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;

  const check = await fetch(`${apiUrl}/api/account`, { headers: { authorization: `Bearer ${readerToken}` } });
  if (check.status !== 200) throw new Error(`API check failed: ${check.status} ${await check.text()}`);

  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; node ${process.version}`);
  console.log(`autocannon: ${CONNECTIONS} connections, ${SECONDS} s per run, pg pool ${POOL_MAX} in both servers\n`);

  const accountRequest = { url: `${apiUrl}/api/account`, headers: { authorization: `Bearer ${readerToken}` } };
  await run({ ...accountRequest, connections: CONNECTIONS, duration: 2 });
  await run({ url: `${rawUrl}/`, connections: CONNECTIONS, duration: 2 });

  const rawMax = await run({ url: `${rawUrl}/`, connections: CONNECTIONS, duration: SECONDS });
  const apiMax = await run({ ...accountRequest, connections: CONNECTIONS, duration: SECONDS });
  const steadyRate = Math.floor(apiMax.requests.average * 0.7);
  const apiSteady = await run({ ...accountRequest, connections: CONNECTIONS, duration: SECONDS, overallRate: steadyRate });

  console.log(summary('raw node:http + pg (max)', rawMax));
  console.log(summary('API GET /api/account (max)', apiMax));
  console.log(summary(`API GET /api/account @ ${steadyRate}/s (70 %)`, apiSteady));
  const ratio = apiMax.requests.average / rawMax.requests.average;
  console.log(`\nthroughput ratio API / raw = ${ratio.toFixed(2)} (target ≥ 0.60)`);
  console.log(`p99 at 70 % of max = ${apiSteady.latency.p99} ms (target ≤ 20 ms)\n`);

  // Transfers in a ring (sender i pays sender i+1), so row locks are spread as in real traffic;
  // every request carries a fresh Idempotency-Key.
  const senders = [];
  for (let i = 0; i < SENDERS; i += 1) senders.push(await createFundedUser(setupPool, 500_000, `bench-sender-${i}`));
  const senderTokens = await Promise.all(senders.map((s) => tokens.sign({ sub: s.userId, scope: 'ledger:write', expiresInSeconds: 3600 })));
  let n = 0;
  const transfers = await run({
    url: `${apiUrl}/api/transfers`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        setupRequest: (request) => {
          const i = n++ % SENDERS;
          return {
            ...request,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${senderTokens[i]}`,
              'idempotency-key': randomUUID().replaceAll('-', ''),
            },
            body: JSON.stringify({ recipientEmail: senders[(i + 1) % SENDERS]?.email, amount: 1 }),
          };
        },
      },
    ],
  });
  console.log(summary(`API POST /api/transfers (${SENDERS} senders)`, transfers));
  const { rows } = await setupPool.query<{ total: string; n: number }>(
    'SELECT sum(balance)::text AS total, count(*)::int AS n FROM accounts WHERE id = ANY($1::uuid[])',
    [senders.map((s) => s.accountId)],
  );
  console.log(`ring balance after the run: ${rows[0]?.total} over ${rows[0]?.n} accounts (unchanged total: ${SENDERS * 500_000})`);

  raw.close();
  await app.close();
  await rawPool.end();
  await setupPool.end();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
