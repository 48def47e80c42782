/* Login throughput and latency of the real auth app (argon2id m=19 MiB, t=2, p=1)
   against the local PostgreSQL, with the event-loop delay measured meanwhile.
   Run: node -r @swc-node/register tools/bench/auth-login.ts
   Targets (issue #4): p99 ≤ 150 ms at a steady 20 logins/s; event-loop lag ≤ 50 ms. */
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createLogger } from '../../libs/logging/src';
import { loadConfig } from '../../libs/service-kit/src';
import { buildApp } from '../../apps/auth/src/app/app';
import { authConfigSchema } from '../../apps/auth/src/config';

const USERS = 40;
const THROUGHPUT_SECONDS = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 10);
const THROUGHPUT_CONCURRENCY = 8;
const STEADY_RATE = 20;
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 30);
const PASSWORD = 'bench harbour violet kettle drums';

async function main() {
  const config = loadConfig(authConfigSchema, {
    APP_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: process.env.AUTH_DATABASE_URL ?? 'postgresql://auth:auth@127.0.0.1:5432/auth',
    AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    ISSUER: 'http://localhost:3001',
    COOKIE_SECRET: 'bench-cookie-secret-0123456789abcdef',
    COOKIE_SECURE: 'false',
    SIGNING_KEYS_DEV_PATH: join(tmpdir(), 'flotilla-auth-bench', 'signing-keys.json'),
    LOGIN_MAX_FAILURES_PER_IP: '100000',
    REGISTER_MAX_PER_IP_PER_HOUR: '100000',
  });
  const app = await buildApp(config, { logger: createLogger({ service: 'auth', level: 'error' }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const run = `${Date.now().toString(36)}`;
  const emails: string[] = [];
  for (let i = 0; i < USERS; i += 1) {
    const email = `bench.${run}.${i}@example.test`;
    const r = await fetch(`${base}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, displayName: `Bench ${i}`, password: PASSWORD }),
    });
    if (r.status !== 201) throw new Error(`register ${r.status} ${await r.text()}`);
    emails.push(email);
  }

  // One CSRF secret cookie and token pair, as a browser holding the login page would have.
  const page = await fetch(`${base}/login`);
  const csrfCookie = (page.headers.getSetCookie().find((c) => c.startsWith('auth_csrf=')) ?? '').split(';')[0];
  const csrfToken = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  let n = 0;
  const login = async () => {
    const email = emails[n++ % emails.length];
    const t0 = performance.now();
    const r = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
      body: new URLSearchParams({ _csrf: csrfToken, email, password: PASSWORD }).toString(),
    });
    await r.arrayBuffer();
    if (r.status !== 303) throw new Error(`login answered ${r.status}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < 10; i += 1) await login();

  // 1. Throughput: a closed loop of concurrent logins.
  let done = 0;
  const until = performance.now() + THROUGHPUT_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: THROUGHPUT_CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await login();
        done += 1;
      }
    }),
  );
  const throughput = done / THROUGHPUT_SECONDS;

  // 2. Latency at a steady arrival rate (open loop: arrivals do not wait for responses).
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  const total = STEADY_RATE * STEADY_SECONDS;
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / STEADY_RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inflight.push(login().then((ms) => void latencies.push(ms)));
  }
  await Promise.all(inflight);
  lag.disable();

  latencies.sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1);
  const lagMs = (v: number) => (v / 1e6).toFixed(1);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))];
  const lagP99 = lag.percentile(99) / 1e6;
  process.stdout.write(
    [
      `auth-login: node ${process.version}, ${cpus().length} cores, load avg ${loadavg()[0].toFixed(2)}, argon2id m=${config.ARGON2_MEMORY_KIB} KiB t=${config.ARGON2_TIME_COST} p=${config.ARGON2_PARALLELISM}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 4}`,
      `  throughput: ${throughput.toFixed(1)} logins/s (${done} in ${THROUGHPUT_SECONDS} s, ${THROUGHPUT_CONCURRENCY} concurrent)`,
      `  steady ${STEADY_RATE}/s for ${STEADY_SECONDS} s (${latencies.length} logins): p50 ${pct(0.5)} ms  p95 ${pct(0.95)} ms  p99 ${pct(0.99)} ms  max ${latencies[latencies.length - 1].toFixed(1)} ms` +
        `  → p99 ≤ 150 ms: ${p99 <= 150 ? 'met' : 'NOT met'}`,
      `  event-loop delay meanwhile: mean ${lagMs(lag.mean)} ms  p99 ${lagMs(lag.percentile(99))} ms  max ${lagMs(lag.max)} ms` +
        `  → p99 ≤ 50 ms: ${lagP99 <= 50 ? 'met' : 'NOT met'}`,
      '',
    ].join('\n'),
  );
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
